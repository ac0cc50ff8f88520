using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Api;

/// <summary>
/// Each request is wrong in one way; each must get its 4xx as problem+json and leave storage exactly as it was.
/// </summary>
public sealed class BadInputTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>, IAsyncLifetime
{
    private const string Prompt = "existing";
    private const string ValidVersion = """{"template":"Hello {{name}}"}""";

    private static readonly string Huge = new('x', 1024 * 1024 + 10);

    public sealed record Case(string Name, string Method, string Path, string? Body, int Status, string? Key = TestKeys.Admin,
        string? ContentType = "application/json", Dictionary<string, string>? Headers = null, string? DetailContains = null)
    {
        public override string ToString() => Name;
    }

    private static readonly Case[] Cases =
    [
        new("broken json", "POST", "/api/prompts/p1/versions", """{"version": {"template": "x"}""", 400, DetailContains: "not valid JSON"),
        new("trailing comma", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x"},}""", 400),
        new("json comment", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x"} /* c */}""", 400),
        new("empty body", "POST", "/api/prompts/p1/versions", "", 400, DetailContains: "needs a JSON body"),
        new("body is an array", "POST", "/api/prompts/p1/versions", "[1,2]", 422, DetailContains: "expected an object"),
        new("duplicate member", "POST", "/api/prompts/p1/versions", """{"version":{"template":"a","template":"b"}}""", 400, DetailContains: "repeats"),
        new("missing version", "POST", "/api/prompts/p1/versions", """{"message":"m"}""", 422, DetailContains: "$.version: is required"),
        new("unknown top-level field", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x"},"colour":"red"}""", 422, DetailContains: "unknown field 'colour'"),
        new("unknown version field", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","temprature":1}}""", 422, DetailContains: "temprature"),
        new("template wrong type", "POST", "/api/prompts/p1/versions", """{"version":{"template":42}}""", 422, DetailContains: "expected a string"),
        new("bad role", "POST", "/api/prompts/p1/versions", """{"version":{"template":[{"role":"wizard","content":"x"}]}}""", 422, DetailContains: "$.version.template[0].role"),
        new("content wrong type", "POST", "/api/prompts/p1/versions", """{"version":{"template":[{"role":"user","content":{"a":1}}]}}""", 422, DetailContains: "expected an array"),
        new("empty message list", "POST", "/api/prompts/p1/versions", """{"version":{"template":[]}}""", 422, DetailContains: "at least one message"),
        new("unknown content part", "POST", "/api/prompts/p1/versions", """{"version":{"template":[{"role":"user","content":[{"type":"image","url":"x"}]}]}}""", 422),
        new("temperature out of range", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","invocation_parameters":{"temperature":7}}}""", 422, DetailContains: "temperature"),
        new("max_tokens not an integer", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","invocation_parameters":{"max_tokens":1.5}}}""", 422),
        new("stop wrong type", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","invocation_parameters":{"stop":[1]}}}""", 422),
        new("unknown template format", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","template_format":"jinja"}}""", 422, DetailContains: "jinja"),
        new("unknown provider", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","model":{"provider":"skynet","name":"t"}}}""", 422),
        new("mustache syntax error", "POST", "/api/prompts/p1/versions", """{"version":{"template":"{{#open}} never closed"}}""", 422, DetailContains: "syntax error"),
        new("f-string syntax error", "POST", "/api/prompts/p1/versions", """{"version":{"template":"{unclosed","template_format":"f_string"}}""", 422),
        new("tool choice names unknown tool", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","tools":{"tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":{"type":"function","function":{"name":"b"}}}}}""", 422, DetailContains: "not a declared tool"),
        new("bad response format", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","response_format":{"type":"json_schema","json_schema":{"name":"has space","schema":{}}}}}""", 422),
        new("bad tag in create", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x"},"tags":["Bad Tag"]}""", 422),
        new("unknown parent", "POST", $"/api/prompts/{Prompt}/versions", $$"""{"version":{"template":"x"},"parent":"{{new string('a', 64)}}"}""", 422, DetailContains: "has no version"),
        new("huge body", "POST", "/api/prompts/p1/versions", "{\"version\":{\"template\":\"" + Huge + "\"}}", 413),
        new("wrong content type", "POST", "/api/prompts/p1/versions", ValidVersion, 415, ContentType: "text/plain"),
        new("uppercase prompt name", "POST", "/api/prompts/MyPrompt/versions", "{\"version\":" + ValidVersion + "}", 400, DetailContains: "not a valid prompt name"),
        new("name with backslash", "POST", "/api/prompts/a%5Cb/versions", "{\"version\":" + ValidVersion + "}", 400),
        new("name with hash", "POST", "/api/prompts/a%23b/versions", "{\"version\":" + ValidVersion + "}", 400),
        new("name with question mark", "POST", "/api/prompts/a%3Fb/versions", "{\"version\":" + ValidVersion + "}", 400),
        new("name with encoded slash", "POST", "/api/prompts/a%2Fb/versions", "{\"version\":" + ValidVersion + "}", 400),
        new("name with control character", "POST", "/api/prompts/a%01b/versions", "{\"version\":" + ValidVersion + "}", 400, DetailContains: "\\u0001"),
        new("name with quote", "POST", "/api/prompts/a%27b/versions", "{\"version\":" + ValidVersion + "}", 400),
        new("name too long", "POST", $"/api/prompts/{new string('a', 129)}/versions", "{\"version\":" + ValidVersion + "}", 400),
        new("name ends with dash", "POST", "/api/prompts/abc-/versions", "{\"version\":" + ValidVersion + "}", 400),
        new("tag name with dot", "PUT", $"/api/prompts/{Prompt}/tags/v1.0", """{"version":"v1"}""", 400, DetailContains: "not a valid tag name"),
        new("tag to unknown version", "PUT", $"/api/prompts/{Prompt}/tags/staging", """{"version":"v99"}""", 422, DetailContains: "has no version"),
        new("tag version wrong type", "PUT", $"/api/prompts/{Prompt}/tags/staging", """{"version":1}""", 422),
        new("tag body unknown field", "PUT", $"/api/prompts/{Prompt}/tags/staging", """{"version":"v1","force":true}""", 422),
        new("tag on unknown prompt", "PUT", "/api/prompts/nobody/tags/staging", """{"version":"v1"}""", 404),
        new("malformed if-match", "PUT", $"/api/prompts/{Prompt}/tags/staging", """{"version":"v1"}""", 400, Headers: new() { ["If-Match"] = "not-quoted" }),
        new("version id not hex", "GET", $"/api/prompts/{Prompt}/versions/xyz", null, 400, ContentType: null),
        new("version id uppercase hex", "GET", $"/api/prompts/{Prompt}/versions/{new string('A', 64)}", null, 400, ContentType: null),
        new("unknown version", "GET", $"/api/prompts/{Prompt}/versions/v42", null, 404, ContentType: null),
        new("unknown prompt", "GET", "/api/prompts/nobody", null, 404, ContentType: null),
        new("unknown tag", "GET", $"/api/prompts/{Prompt}/tags/canary", null, 404, ContentType: null),
        new("limit zero", "GET", "/api/prompts?limit=0", null, 400, ContentType: null),
        new("limit not a number", "GET", "/api/prompts?limit=ten", null, 400, ContentType: null),
        new("forged cursor", "GET", "/api/prompts?cursor=%%%", null, 400, ContentType: null),
        new("render with tag and version", "POST", $"/api/prompts/{Prompt}/render", """{"tag":"staging","version":"v1","variables":{}}""", 422),
        new("render variables not an object", "POST", $"/api/prompts/{Prompt}/render", """{"variables":["name"]}""", 422),
        new("render strict missing variable", "POST", $"/api/prompts/{Prompt}/render", """{"variables":{}}""", 422, DetailContains: "name"),
        new("drift with bad tag", "GET", "/api/tags?names=prod%20uction", null, 400, ContentType: null),
        new("diff with bad reference", "GET", $"/api/prompts/{Prompt}/diff?from=v1&to=..%2F..", null, 400, ContentType: null),
        // Issue 13, families 1 and 2: numbers beyond the double range and text that is not Unicode, wherever they are.
        new("number beyond double range in metadata", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","metadata":{"big":1e400}}}""", 422, DetailContains: "$.version.metadata.big: the number 1e400 is outside the range"),
        new("negative number beyond range in extras", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","invocation_parameters":{"logit_scale":-1e999}}}""", 422, DetailContains: "$.version.invocation_parameters.logit_scale"),
        new("number beyond range as temperature", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","invocation_parameters":{"temperature":1e400}}}""", 422, DetailContains: "$.version.invocation_parameters.temperature"),
        new("number beyond range in a tool schema", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","tools":{"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","maximum":1e309}}}]}}}""", 422, DetailContains: "$.version.tools.tools[0].function.parameters.maximum"),
        new("400 digit integer in metadata", "POST", "/api/prompts/p1/versions", "{\"version\":{\"template\":\"x\",\"metadata\":{\"n\":" + new string('9', 400) + "}}}", 422, DetailContains: "(400 characters)"),
        new("lone surrogate in the template", "POST", "/api/prompts/p1/versions", """{"version":{"template":"Hi \ud800"}}""", 422, DetailContains: "$.version.template: is not Unicode text"),
        new("low surrogate before high", "POST", "/api/prompts/p1/versions", """{"version":{"template":[{"role":"user","content":"\udc00\ud800"}]}}""", 422, DetailContains: "$.version.template[0].content"),
        new("high surrogate then a letter", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","description":"\ud83dA"}}""", 422, DetailContains: "$.version.description"),
        new("lone surrogate in a metadata name", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x","metadata":{"\ud800":1}}}""", 422, DetailContains: @"$.version.metadata['\ud800']: the member name is not Unicode text"),
        new("lone surrogate in the message", "POST", "/api/prompts/p1/versions", """{"version":{"template":"x"},"message":"\udfff"}""", 422, DetailContains: "$.message"),
        new("lone surrogate in a tag move reason", "PUT", $"/api/prompts/{Prompt}/tags/staging", """{"version":"v1","reason":"\ud800"}""", 422, DetailContains: "$.reason"),
        new("render variable beyond double range", "POST", $"/api/prompts/{Prompt}/render", """{"variables":{"name":1e400}}""", 422, DetailContains: "$.variables.name"),
        new("render variable lone surrogate", "POST", $"/api/prompts/{Prompt}/render", """{"variables":{"name":"\ud800"}}""", 422, DetailContains: "$.variables.name: is not Unicode text"),
        new("render variable name lone surrogate", "POST", $"/api/prompts/{Prompt}/render", """{"variables":{"name":"a","\udbff":"b"}}""", 422, DetailContains: "the member name is not Unicode text"),
        new("render nested variable beyond range", "POST", $"/api/prompts/{Prompt}/render", """{"variables":{"name":{"list":[1,2,-1e400]}}}""", 422, DetailContains: "$.variables.name.list[2]"),
        new("playground draft beyond double range", "POST", "/api/playground", """{"prompt":{"name":"x","draft":{"template":"x","metadata":{"n":1e400}}},"variables":{}}""", 422, DetailContains: "$.prompt.draft.metadata.n"),
        new("playground variable lone surrogate", "POST", "/api/playground", """{"prompt":{"name":"x","draft":{"template":"{{v}}"}},"variables":{"v":"\ud800"}}""", 422, DetailContains: "$.variables.v"),
        new("playground example beyond range", "POST", "/api/playground", """{"prompt":{"name":"x","draft":{"template":"{{v}}"}},"examples":[{"input":{"v":1},"expected":1e400}]}""", 422, DetailContains: "$.examples[0].expected"),
        new("experiment metadata beyond double range", "POST", "/api/experiments", """{"prompt":{"name":"x"},"dataset":{"name":"d"},"metadata":{"n":1e400}}""", 422, DetailContains: "$.metadata.n"),
        new("experiment draft lone surrogate", "POST", "/api/experiments", """{"prompt":{"name":"x","draft":{"template":"\ud800"}},"dataset":{"name":"d"}}""", 422, DetailContains: "$.prompt.draft.template"),
        new("experiment evaluator beyond range", "POST", "/api/experiments", """{"prompt":{"name":"x"},"dataset":{"name":"d"},"evaluators":[{"type":"numeric","abs_tolerance":1e400}]}""", 422, DetailContains: "$.evaluators[0].abs_tolerance"),
        new("dataset json example beyond double range", "POST", "/api/datasets/ds-range/versions", """{"examples":[{"input":{"x":1e400}}]}""", 422, DetailContains: "$.examples[0].input.x"),
        new("dataset json expected lone surrogate", "POST", "/api/datasets/ds-text/versions", """{"examples":[{"input":{"x":1},"expected":"\ud800"}]}""", 422, DetailContains: "$.examples[0].expected: is not Unicode text"),
        new("dataset json metadata name lone surrogate", "POST", "/api/datasets/ds-name/versions", """{"examples":[{"input":{"x":1},"metadata":{"\udc00":1}}]}""", 422, DetailContains: "the member name is not Unicode text"),
        new("dataset json message lone surrogate", "POST", "/api/datasets/ds-msg/versions", """{"examples":[{"input":{"x":1}}],"message":"\ud800"}""", 422, DetailContains: "$.message"),
        new("no key", "POST", "/api/prompts/p1/versions", "{\"version\":" + ValidVersion + "}", 401, Key: null),
        new("wrong key", "POST", "/api/prompts/p1/versions", "{\"version\":" + ValidVersion + "}", 401, Key: "not-a-real-key-123"),
        new("reader writes", "POST", "/api/prompts/p1/versions", "{\"version\":" + ValidVersion + "}", 403, Key: TestKeys.Reader),
        new("writer moves production", "PUT", $"/api/prompts/{Prompt}/tags/production", """{"version":"v1"}""", 403, Key: TestKeys.Writer),
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

    public async Task InitializeAsync()
    {
        await SeedLock.WaitAsync();
        try
        {
            foreach (var kind in Drivers.AllKinds)
            {
                if ((await hosts[kind].GetAsync($"/api/prompts/{Prompt}")).Status == 404)
                    await hosts[kind].CreateVersionAsync(Prompt, JsonNode.Parse(ValidVersion)!);
            }
        }
        finally
        {
            SeedLock.Release();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void The_table_has_at_least_thirty_cases() => Assert.True(Cases.Length >= 30);

    [Theory, MemberData(nameof(All))]
    public async Task Bad_input_gets_a_problem_and_changes_nothing(string kind, Case c)
    {
        var api = hosts[kind];
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();

        var response = await api.SendAsync(new HttpMethod(c.Method), c.Path, c.Body, c.Key, c.Headers, c.ContentType);

        Assert.True(c.Status == response.Status, $"{c.Name}: expected {c.Status}, got {response}");
        Assert.StartsWith("application/problem+json", response.ContentType);
        var problem = response.Json;
        Assert.Equal(c.Status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), response.Body);
        if (c.DetailContains is not null)
        {
            var text = problem["detail"]!.GetValue<string>() + " " + problem["errors"]?.ToJsonString();
            Assert.Contains(c.DetailContains, text);
        }
        if (c.Status == 422 && problem["errors"] is JsonArray errors)
            Assert.All(errors, e => Assert.StartsWith("$", e!["path"]!.GetValue<string>()));
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }
}
