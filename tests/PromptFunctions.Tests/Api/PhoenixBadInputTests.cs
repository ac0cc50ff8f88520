using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;
using static PromptFunctions.Tests.Api.PhoenixSamples;

namespace PromptFunctions.Tests.Api;

/// <summary>
/// Each Phoenix request is wrong in one way; each must get Phoenix's status and error format (text/plain detail, or
/// FastAPI's 422 JSON with the location of the fault) and leave storage exactly as it was.
/// </summary>
public sealed class PhoenixBadInputTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>, IAsyncLifetime
{
    private const string Prompt = "phx-existing";
    private const string Json = "json";
    private const string Text = "text";

    /// <param name="Format"><see cref="Json"/> for a FastAPI validation error, <see cref="Text"/> for a plain-text detail.</param>
    /// <param name="Expect">For JSON: the dotted location of the first fault; for text: a substring of the body.</param>
    /// <param name="Type">For JSON: the pydantic error type of the first fault.</param>
    public sealed record Case(string Name, string Method, string Path, string? Body, int Status, string Format, string? Expect = null, string? Type = null,
        string? Key = TestKeys.Admin, string? ContentType = "application/json")
    {
        public override string ToString() => Name;
    }

    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static readonly string MissingVersionId = Encode($"PromptVersion:{Prompt}:{new string('a', 64)}");

    /// <summary>A valid create body with one member of the version replaced (or removed, with null).</summary>
    private static string CreateWith(string member, string? json, string name = "phx-new")
    {
        var version = Version();
        if (json is null) version.Remove(member);
        else version[member] = JsonNode.Parse(json);
        return Create(name, version).ToJsonString();
    }

    private static string CreateWithMessage(string messageJson) =>
        CreateWith("template", $$"""{"type": "chat", "messages": [{{messageJson}}]}""");

    private static string CreateWithParameters(string parametersJson) => CreateWith("invocation_parameters", parametersJson);

    private static readonly Case[] Cases =
    [
        new("broken json", "POST", "/api/v1/prompts", """{"prompt": {"name": "x"}""", 422, Json, "body", "json_invalid"),
        new("duplicate member", "POST", "/api/v1/prompts", """{"prompt": {"name": "a", "name": "b"}}""", 422, Json, "body", "json_invalid"),
        new("empty body", "POST", "/api/v1/prompts", "", 422, Json, "body", "missing"),
        new("body is an array", "POST", "/api/v1/prompts", "[]", 422, Json, "body", "model_type"),
        new("missing prompt", "POST", "/api/v1/prompts", $$"""{"version": {{Version().ToJsonString()}}}""", 422, Json, "body.prompt", "missing"),
        new("missing version", "POST", "/api/v1/prompts", """{"prompt": {"name": "phx-new"}}""", 422, Json, "body.version", "missing"),
        new("name breaks the identifier pattern", "POST", "/api/v1/prompts", Create("Bad Name", Version()).ToJsonString(), 422, Json, "body.prompt.name", "string_pattern_mismatch"),
        new("name too long", "POST", "/api/v1/prompts", Create(new string('a', 129), Version()).ToJsonString(), 422, Json, "body.prompt.name", "string_too_long"),
        new("prompt description wrong type", "POST", "/api/v1/prompts", """{"prompt": {"name": "phx-new", "description": 5}, "version": {}}""", 422, Json, "body.prompt.description", "string_type"),
        new("prompt metadata not an object", "POST", "/api/v1/prompts", """{"prompt": {"name": "phx-new", "metadata": [1]}, "version": {}}""", 422, Json, "body.prompt.metadata", "dict_type"),
        new("missing model name", "POST", "/api/v1/prompts", CreateWith("model_name", null), 422, Json, "body.version.model_name", "missing"),
        new("empty model name", "POST", "/api/v1/prompts", CreateWith("model_name", "\"\""), 422, Json, "body.version.model_name", "value_error"),
        new("unknown provider", "POST", "/api/v1/prompts", CreateWith("model_provider", "\"SKYNET\""), 422, Json, "body.version.model_provider", "enum"),
        new("unknown template format", "POST", "/api/v1/prompts", CreateWith("template_format", "\"JINJA\""), 422, Json, "body.version.template_format", "enum"),
        new("template type does not match the template", "POST", "/api/v1/prompts", CreateWith("template_type", "\"STR\""), 422, Json, "body.version", "value_error"),
        new("string template", "POST", "/api/v1/prompts",
            Create("phx-new", new JsonObject(Version().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())))
            {
                ["template_type"] = "STR",
                ["template"] = new JsonObject { ["type"] = "string", ["template"] = "Hi" },
            }).ToJsonString(), 422, Text, "Only CHAT template type is supported for prompts"),
        new("unknown template type tag", "POST", "/api/v1/prompts", CreateWith("template", """{"type": "completion", "messages": []}"""), 422, Json, "body.version.template", "union_tag_invalid"),
        new("template without a type", "POST", "/api/v1/prompts", CreateWith("template", """{"messages": []}"""), 422, Json, "body.version.template", "union_tag_not_found"),
        new("unknown role", "POST", "/api/v1/prompts", CreateWithMessage("""{"role": "wizard", "content": "x"}"""), 422, Json, "body.version.template.messages.0.role", "enum"),
        new("extra member in a message", "POST", "/api/v1/prompts", CreateWithMessage("""{"role": "user", "content": "x", "name": "n"}"""), 422, Json, "body.version.template.messages.0.name", "extra_forbidden"),
        new("empty content parts", "POST", "/api/v1/prompts", CreateWithMessage("""{"role": "user", "content": []}"""), 422, Json, "body.version.template.messages.0.content", "too_short"),
        new("unknown content part", "POST", "/api/v1/prompts", CreateWithMessage("""{"role": "user", "content": [{"type": "image", "url": "u"}]}"""), 422, Json, "body.version.template.messages.0.content.0", "union_tag_invalid"),
        new("tool call without arguments", "POST", "/api/v1/prompts",
            CreateWithMessage("""{"role": "assistant", "content": [{"type": "tool_call", "tool_call_id": "c", "tool_call": {"type": "function", "name": "f"}}]}"""),
            422, Json, "body.version.template.messages.0.content.0.tool_call.arguments", "missing"),
        new("tool result missing", "POST", "/api/v1/prompts", CreateWithMessage("""{"role": "tool", "content": [{"type": "tool_result", "tool_call_id": "c"}]}"""), 422, Json, "body.version.template.messages.0.content.0.tool_result", "missing"),
        new("no messages", "POST", "/api/v1/prompts", CreateWith("template", """{"type": "chat", "messages": []}"""), 422, Json, "body.version.template.messages", "value_error"),
        new("mustache syntax error", "POST", "/api/v1/prompts", CreateWithMessage("""{"role": "user", "content": "{{#open}} never closed"}"""), 422, Json, "body.version.template.messages.0.content", "value_error"),
        new("f-string syntax error in a part", "POST", "/api/v1/prompts",
            Create("phx-new", new JsonObject(Version().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())))
            {
                ["template_format"] = "F_STRING",
                ["template"] = JsonNode.Parse("""{"type": "chat", "messages": [{"role": "user", "content": [{"type": "text", "text": "{unclosed"}]}]}"""),
            }).ToJsonString(), 422, Json, "body.version.template.messages.0.content.0.text", "value_error"),
        new("unknown invocation wrapper", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "mistral", "mistral": {}}"""), 422, Json, "body.version.invocation_parameters", "union_tag_invalid"),
        new("wrapper without content", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "openai"}"""), 422, Json, "body.version.invocation_parameters.openai", "missing"),
        new("wrapper of another provider", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "anthropic", "anthropic": {"max_tokens": 10}}"""), 422, Json, "body.version.invocation_parameters.type", "value_error"),
        new("parameter Phoenix does not know", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "openai", "openai": {"top_k": 5}}"""), 422, Json, "body.version.invocation_parameters.openai.top_k", "extra_forbidden"),
        new("temperature as a string", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "openai", "openai": {"temperature": "hot"}}"""), 422, Json, "body.version.invocation_parameters.openai.temperature", "float_type"),
        new("temperature out of our range", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "openai", "openai": {"temperature": 7}}"""), 422, Json, "body.version.invocation_parameters.openai.temperature", "value_error"),
        new("max tokens with a fraction", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "openai", "openai": {"max_tokens": 1.5}}"""), 422, Json, "body.version.invocation_parameters.openai.max_tokens", "int_from_float"),
        new("stop not strings", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "openai", "openai": {"stop": [1]}}"""), 422, Json, "body.version.invocation_parameters.openai.stop.0", "string_type"),
        new("unknown reasoning effort", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "openai", "openai": {"reasoning_effort": "max"}}"""), 422, Json, "body.version.invocation_parameters.openai.reasoning_effort", "enum"),
        new("anthropic without max tokens", "POST", "/api/v1/prompts",
            Create("phx-new", new JsonObject(Version().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())))
            {
                ["model_provider"] = "ANTHROPIC",
                ["invocation_parameters"] = JsonNode.Parse("""{"type": "anthropic", "anthropic": {"temperature": 0.1}}"""),
            }).ToJsonString(), 422, Json, "body.version.invocation_parameters.anthropic.max_tokens", "missing"),
        new("anthropic thinking budget too small", "POST", "/api/v1/prompts",
            Create("phx-new", new JsonObject(Version().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())))
            {
                ["model_provider"] = "ANTHROPIC",
                ["invocation_parameters"] = JsonNode.Parse("""{"type": "anthropic", "anthropic": {"max_tokens": 2000, "thinking": {"type": "enabled", "budget_tokens": 10}}}"""),
            }).ToJsonString(), 422, Json, "body.version.invocation_parameters.anthropic.thinking.budget_tokens", "greater_than_equal"),
        new("tools without tools", "POST", "/api/v1/prompts", CreateWith("tools", """{"type": "tools", "tools": []}"""), 422, Json, "body.version.tools.tools", "too_short"),
        new("raw tool", "POST", "/api/v1/prompts", CreateWith("tools", """{"type": "tools", "tools": [{"type": "raw", "raw": {"type": "web_search"}}]}"""), 422, Json, "body.version.tools.tools.0.type", "value_error"),
        new("tool with a bad name", "POST", "/api/v1/prompts", CreateWith("tools", """{"type": "tools", "tools": [{"type": "function", "function": {"name": "has space"}}]}"""), 422, Json, "body.version.tools.tools.0.function.name", "value_error"),
        new("tool choice names an undeclared function", "POST", "/api/v1/prompts",
            CreateWith("tools", """{"type": "tools", "tools": [{"type": "function", "function": {"name": "a"}}], "tool_choice": {"type": "specific_function", "function_name": "b"}}"""),
            422, Json, "body.version.tools.tool_choice.function_name", "value_error"),
        new("unknown tool choice", "POST", "/api/v1/prompts",
            CreateWith("tools", """{"type": "tools", "tools": [{"type": "function", "function": {"name": "a"}}], "tool_choice": {"type": "auto"}}"""),
            422, Json, "body.version.tools.tool_choice", "union_tag_invalid"),
        new("response format without a schema", "POST", "/api/v1/prompts", CreateWith("response_format", """{"type": "json_schema", "json_schema": {"name": "n"}}"""), 422, Json, "body.version.response_format.json_schema.schema", "value_error"),
        new("response format json_object", "POST", "/api/v1/prompts", CreateWith("response_format", """{"type": "json_object"}"""), 422, Json, "body.version.response_format", "union_tag_invalid"),
        new("extra_body number beyond double range", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "openai", "openai": {"extra_body": {"scale": 1e400}}}"""), 422, Json, "body.version.invocation_parameters.openai.extra_body.scale", "finite_number"),
        new("temperature beyond double range", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "openai", "openai": {"temperature": -1e400}}"""), 422, Json, "body.version.invocation_parameters.openai.temperature", "finite_number"),
        new("prompt metadata beyond double range", "POST", "/api/v1/prompts", """{"prompt": {"name": "phx-new", "metadata": {"n": [1, 1e999]}}, "version": {}}""", 422, Json, "body.prompt.metadata.n.1", "finite_number"),
        // JSON nodes cannot hold a lone surrogate escape, so the escape goes into the finished body text.
        new("lone surrogate in a message", "POST", "/api/v1/prompts", CreateWithMessage("""{"role": "user", "content": "LONE"}""").Replace("LONE", @"\ud800"), 422, Json, "body.version.template.messages.0.content", "string_unicode"),
        new("lone surrogate in a member name", "POST", "/api/v1/prompts", CreateWithParameters("""{"type": "openai", "openai": {"extra_body": {"LONE": 1}}}""").Replace("LONE", @"\udc00x"), 422, Json, @"body.version.invocation_parameters.openai.extra_body.\\udc00x", "string_unicode"),
        new("lone surrogate in a tag description", "POST", $"/api/v1/prompt_versions/{{v1}}/tags", """{"name": "ok", "description": "\ud800"}""", 422, Json, "body.description", "string_unicode"),
        new("huge body", "POST", "/api/v1/prompts", Create("phx-new", Version(user: new string('x', 1024 * 1024))).ToJsonString(), 413, Text, "exceeds"),
        new("body not json", "POST", "/api/v1/prompts", "name=x", 415, Text, "application/json", ContentType: "application/x-www-form-urlencoded"),
        new("reader creates", "POST", "/api/v1/prompts", Create("phx-new", Version()).ToJsonString(), 403, Text, "lacks the 'write' role", Key: TestKeys.Reader),
        new("no key", "POST", "/api/v1/prompts", Create("phx-new", Version()).ToJsonString(), 401, Text, Key: null),
        new("version id garbage", "GET", "/api/v1/prompt_versions/%21%21", null, 422, Text, "Invalid prompt version ID", ContentType: null),
        new("version id of a prompt", "GET", $"/api/v1/prompt_versions/{Encode($"Prompt:{Prompt}")}", null, 422, Text, "Invalid prompt version ID", ContentType: null),
        new("unknown version", "GET", $"/api/v1/prompt_versions/{MissingVersionId}", null, 404, Text, ContentType: null),
        new("prompt name with encoded slash", "GET", "/api/v1/prompts/a%2Fb/latest", null, 422, Text, "Invalid prompt name", ContentType: null),
        new("tag name with dot", "GET", $"/api/v1/prompts/{Prompt}/tags/v1.0", null, 422, Text, "Invalid tag name", ContentType: null),
        new("limit zero", "GET", "/api/v1/prompts?limit=0", null, 422, Json, "query.limit", "greater_than", ContentType: null),
        new("limit negative", "GET", $"/api/v1/prompts/{Prompt}/versions?limit=-1", null, 422, Json, "query.limit", "greater_than", ContentType: null),
        new("limit not a number", "GET", "/api/v1/prompts?limit=ten", null, 422, Json, "query.limit", "int_parsing", ContentType: null),
        new("forged cursor", "GET", "/api/v1/prompts?cursor=%25%25", null, 422, Text, "Invalid cursor format", ContentType: null),
        new("tag without name", "POST", $"/api/v1/prompt_versions/{{v1}}/tags", """{"description": "d"}""", 422, Json, "body.name", "missing"),
        new("tag name breaks the pattern", "POST", $"/api/v1/prompt_versions/{{v1}}/tags", """{"name": "Prod"}""", 422, Json, "body.name", "string_pattern_mismatch"),
        new("tag name too long", "POST", $"/api/v1/prompt_versions/{{v1}}/tags", $$"""{"name": "{{new string('t', 65)}}"}""", 422, Json, "body.name", "string_too_long"),
        new("tag description wrong type", "POST", $"/api/v1/prompt_versions/{{v1}}/tags", """{"name": "ok", "description": []}""", 422, Json, "body.description", "string_type"),
        new("tag on a garbage version id", "POST", "/api/v1/prompt_versions/nope/tags", """{"name": "ok"}""", 422, Text, "Invalid prompt version ID"),
        new("tag on an unknown version", "POST", $"/api/v1/prompt_versions/{MissingVersionId}/tags", """{"name": "ok"}""", 404, Text),
        new("writer tags production", "POST", $"/api/v1/prompt_versions/{{v1}}/tags", """{"name": "production"}""", 403, Text, "protected", Key: TestKeys.Writer),
        new("untag with a bad tag name", "DELETE", $"/api/v1/prompt_versions/{{v1}}/tags/Bad", null, 422, Text, "Invalid tag name", ContentType: null),
        new("untag an unknown tag", "DELETE", $"/api/v1/prompt_versions/{{v1}}/tags/never", null, 404, Text, ContentType: null),
        new("untag on an unknown version", "DELETE", $"/api/v1/prompt_versions/{MissingVersionId}/tags/staging", null, 404, Text, ContentType: null),
        new("patch nothing", "PATCH", $"/api/v1/prompts/{Prompt}", "{}", 422, Json, "body", "value_error"),
        new("patch description wrong type", "PATCH", $"/api/v1/prompts/{Prompt}", """{"description": 1}""", 422, Json, "body.description", "string_type"),
        new("patch unknown prompt", "PATCH", "/api/v1/prompts/nobody-here", """{"description": "x"}""", 404, Text, "Prompt not found"),
        new("patch bad identifier", "PATCH", "/api/v1/prompts/Bad%20Name", """{"description": "x"}""", 422, Text, "Invalid prompt name"),
        new("delete unknown prompt", "DELETE", "/api/v1/prompts/nobody-here", null, 404, Text, "Prompt not found", ContentType: null),
        new("reader deletes", "DELETE", $"/api/v1/prompts/{Prompt}", null, 403, Text, Key: TestKeys.Reader, ContentType: null),
    ];

    public static TheoryData<string, Case> All()
    {
        var data = new TheoryData<string, Case>();
        foreach (var kind in Drivers.AllKinds)
        {
            foreach (var c in Cases) data.Add(kind, c);
        }
        return data;
    }

    private static readonly SemaphoreSlim SeedLock = new(1, 1);
    private static readonly Dictionary<string, string> SeededVersion = [];

    public async Task InitializeAsync()
    {
        await SeedLock.WaitAsync();
        try
        {
            foreach (var kind in Drivers.AllKinds)
            {
                var latest = await hosts[kind].GetAsync($"/api/v1/prompts/{Prompt}/latest");
                SeededVersion[kind] = latest.Status == 200 ? latest.Json["data"]!.Id() : (await hosts[kind].CreateAsync(Prompt, Version())).Id();
            }
        }
        finally
        {
            SeedLock.Release();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void The_table_has_at_least_fifty_cases() => Assert.True(Cases.Length >= 50);

    [Theory, MemberData(nameof(All))]
    public async Task Bad_input_gets_a_Phoenix_error_and_changes_nothing(string kind, Case c)
    {
        var api = hosts[kind];
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();

        var path = c.Path.Replace("{v1}", SeededVersion[kind], StringComparison.Ordinal);
        var response = await api.SendAsync(new HttpMethod(c.Method), path, c.Body, c.Key, null, c.ContentType);

        Assert.True(c.Status == response.Status, $"{c.Name}: expected {c.Status}, got {response}");
        Assert.Equal("15.5.0", response.Header(ServerVersionHeader));
        if (c.Format == Text)
        {
            Assert.StartsWith("text/plain", response.ContentType);
            Assert.False(string.IsNullOrWhiteSpace(response.Body));
            if (c.Expect is not null) Assert.Contains(c.Expect, response.Body);
        }
        else
        {
            var first = AssertValidation(response)[0]!;
            Assert.True(c.Expect == Loc(first), $"{c.Name}: expected the fault at {c.Expect}, got {response.Body}");
            Assert.True(c.Type == first["type"]!.GetValue<string>(), $"{c.Name}: expected type {c.Type}, got {response.Body}");
        }
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }
}
