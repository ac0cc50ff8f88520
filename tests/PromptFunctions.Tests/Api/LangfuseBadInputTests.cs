using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;
using static PromptFunctions.Tests.Api.LangfuseTestClient;

namespace PromptFunctions.Tests.Api;

/// <summary>
/// Each request to the Langfuse routes is wrong in one way; each must get Langfuse's error form with the right
/// status and error name, a message that says what is wrong, and leave storage exactly as it was.
/// </summary>
public sealed class LangfuseBadInputTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>, IAsyncLifetime
{
    private const string Prompt = "lf-existing";
    private const string Path = Root + "/" + Prompt;

    public sealed record Case(string Name, string Method, string Path, string? Body, int Status, string Error, string? MessageContains = null,
        (string, string)? Key = null, string? ContentType = "application/json", string? Authorization = null)
    {
        public override string ToString() => Name;
    }

    private static string Create(string members) => $$"""{"name":"{{Prompt}}",{{members}}}""";

    private static readonly Case[] Cases =
    [
        new("broken json", "POST", Root, """{"name":"x","prompt":"y" """, 400, "InvalidRequestError", "not valid JSON"),
        new("body is an array", "POST", Root, "[1]", 400, "InvalidRequestError", "expected an object"),
        new("empty body", "POST", Root, "", 400, "InvalidRequestError", "needs a JSON body"),
        new("duplicate member", "POST", Root, """{"name":"a","name":"b","prompt":"x"}""", 400, "InvalidRequestError", "repeats"),
        new("missing name", "POST", Root, """{"prompt":"x"}""", 400, "InvalidRequestError", "$.name: is required"),
        new("empty name", "POST", Root, """{"name":"","prompt":"x"}""", 400, "InvalidRequestError", "$.name"),
        new("name with folder", "POST", Root, """{"name":"team/greeting","prompt":"x"}""", 400, "InvalidRequestError", "folders"),
        new("uppercase name", "POST", Root, """{"name":"Greeting","prompt":"x"}""", 400, "InvalidRequestError", "cannot be stored"),
        new("missing prompt", "POST", Root, Create("\"type\":\"text\""), 400, "InvalidRequestError", "$.prompt: is required"),
        new("unknown type", "POST", Root, Create("\"type\":\"image\",\"prompt\":\"x\""), 400, "InvalidRequestError", "'text' or 'chat'"),
        new("text prompt not a string", "POST", Root, Create("\"type\":\"text\",\"prompt\":5"), 400, "InvalidRequestError", "$.prompt: expected a string"),
        new("messages without chat type", "POST", Root, Create("\"prompt\":[{\"role\":\"user\",\"content\":\"x\"}]"), 400, "InvalidRequestError", "needs \"type\": \"chat\""),
        new("chat prompt not a list", "POST", Root, Create("\"type\":\"chat\",\"prompt\":\"x\""), 400, "InvalidRequestError", "expected an array"),
        new("empty chat prompt", "POST", Root, Create("\"type\":\"chat\",\"prompt\":[]"), 400, "InvalidRequestError", "at least one message"),
        new("role we cannot store", "POST", Root, Create("\"type\":\"chat\",\"prompt\":[{\"role\":\"narrator\",\"content\":\"x\"}]"), 400, "InvalidRequestError", "$.prompt[0].role"),
        new("content not a string", "POST", Root, Create("\"type\":\"chat\",\"prompt\":[{\"role\":\"user\",\"content\":{\"a\":1}}]"), 400, "InvalidRequestError", "$.prompt[0].content"),
        new("unknown item type", "POST", Root, Create("\"type\":\"chat\",\"prompt\":[{\"type\":\"image\",\"url\":\"x\"}]"), 400, "InvalidRequestError", "'chatmessage' or 'placeholder'"),
        new("bad placeholder name", "POST", Root, Create("\"type\":\"chat\",\"prompt\":[{\"type\":\"placeholder\",\"name\":\"9lives\"}]"), 400, "InvalidRequestError", "$.prompt[0].name"),
        new("placeholder named like a variable", "POST", Root, Create("\"type\":\"chat\",\"prompt\":[{\"role\":\"user\",\"content\":\"{{history}}\"},{\"type\":\"placeholder\",\"name\":\"history\"}]"), 400, "InvalidRequestError", "both a placeholder and a variable"),
        new("mustache syntax error", "POST", Root, Create("\"prompt\":\"{{#open}} never closed\""), 400, "InvalidRequestError", "$.prompt: mustache syntax error"),
        new("label with a dot", "POST", Root, Create("\"prompt\":\"x\",\"labels\":[\"v1.0\"]"), 400, "InvalidRequestError", "no '.'"),
        new("label ending with dash", "POST", Root, Create("\"prompt\":\"x\",\"labels\":[\"prod-\"]"), 400, "InvalidRequestError", "cannot be stored"),
        new("uppercase label", "POST", Root, Create("\"prompt\":\"x\",\"labels\":[\"Prod\"]"), 400, "InvalidRequestError", "is invalid"),
        new("label too long", "POST", Root, Create($"\"prompt\":\"x\",\"labels\":[\"{new string('a', 37)}\"]"), 400, "InvalidRequestError", "1-36"),
        new("labels not a list", "POST", Root, Create("\"prompt\":\"x\",\"labels\":\"production\""), 400, "InvalidRequestError", "$.labels: expected an array"),
        new("tags not strings", "POST", Root, Create("\"prompt\":\"x\",\"tags\":[1]"), 400, "InvalidRequestError", "$.tags[0]"),
        new("commit message too long", "POST", Root, Create($"\"prompt\":\"x\",\"commitMessage\":\"{new string('m', 501)}\""), 400, "InvalidRequestError", "$.commitMessage"),
        new("temperature out of range", "POST", Root, Create("\"prompt\":\"x\",\"config\":{\"temperature\":7}"), 400, "InvalidRequestError", "$.config.temperature"),
        new("max_tokens not an integer", "POST", Root, Create("\"prompt\":\"x\",\"config\":{\"max_tokens\":1.5}"), 400, "InvalidRequestError", "$.config.max_tokens"),
        new("unknown provider", "POST", Root, Create("\"prompt\":\"x\",\"config\":{\"model\":\"m\",\"provider\":\"skynet\"}"), 400, "InvalidRequestError", "$.config.provider"),
        new("config number beyond double range", "POST", Root, Create("\"prompt\":\"x\",\"config\":{\"scale\":1e400}"), 400, "InvalidRequestError", "$.config.scale: the number 1e400 is outside the range"),
        new("config nested number beyond range", "POST", Root, Create("\"prompt\":\"x\",\"config\":{\"a\":{\"b\":[-1e999]}}"), 400, "InvalidRequestError", "$.config.a.b[0]"),
        new("prompt lone surrogate", "POST", Root, Create("\"prompt\":\"hi \\ud800\""), 400, "InvalidRequestError", "$.prompt: is not Unicode text"),
        new("chat content lone surrogate", "POST", Root, Create("\"type\":\"chat\",\"prompt\":[{\"role\":\"user\",\"content\":\"\\udc00\"}]"), 400, "InvalidRequestError", "$.prompt[0].content"),
        new("tag lone surrogate", "POST", Root, Create("\"prompt\":\"x\",\"tags\":[\"\\ud800\"]"), 400, "InvalidRequestError", "$.tags[0]"),
        new("config name lone surrogate", "POST", Root, Create("\"prompt\":\"x\",\"config\":{\"\\ud800\":1}"), 400, "InvalidRequestError", "the member name is not Unicode text"),
        new("patch label lone surrogate", "PATCH", Path + "/versions/1", """{"newLabels":["\ud800"]}""", 400, "InvalidRequestError", "$.newLabels[0]"),
        new("type change", "POST", Root, Create("\"type\":\"chat\",\"prompt\":[{\"role\":\"user\",\"content\":\"x\"}]"), 400, "InvalidRequestError", "cannot change the type"),
        new("wrong content type", "POST", Root, Create("\"prompt\":\"x\""), 415, "InvalidRequestError", "application/json", ContentType: "text/plain"),
        new("writer sets production", "POST", Root, Create("\"prompt\":\"new\",\"labels\":[\"production\"]"), 403, "ForbiddenError", "protected", Key: Writer),
        new("reader creates", "POST", Root, Create("\"prompt\":\"new\""), 403, "ForbiddenError", "'write'", Key: Reader),
        new("no credentials", "POST", Root, Create("\"prompt\":\"new\""), 401, "UnauthorizedError", "No credentials", Authorization: ""),
        new("bearer key", "POST", Root, Create("\"prompt\":\"new\""), 401, "UnauthorizedError", "Basic credentials", Authorization: "Bearer " + TestKeys.Admin),
        new("wrong public key", "POST", Root, Create("\"prompt\":\"new\""), 401, "UnauthorizedError", "public key", Key: ("reader", TestKeys.Admin)),
        new("wrong secret key", "POST", Root, Create("\"prompt\":\"new\""), 401, "UnauthorizedError", "secret key", Key: ("admin", "not-the-admin-secret-123")),
        new("patch latest", "PATCH", Path + "/versions/1", """{"newLabels":["latest"]}""", 400, "InvalidRequestError", "always assigned to the latest"),
        new("patch label with dot", "PATCH", Path + "/versions/1", """{"newLabels":["v1.1"]}""", 400, "InvalidRequestError", "$.newLabels[0]"),
        new("patch without newLabels", "PATCH", Path + "/versions/1", """{"labels":["x"]}""", 400, "InvalidRequestError", "newLabels"),
        new("patch version not a number", "PATCH", Path + "/versions/one", """{"newLabels":["x"]}""", 400, "InvalidRequestError", "positive integer"),
        new("patch unknown version", "PATCH", Path + "/versions/99", """{"newLabels":["x"]}""", 404, "LangfuseNotFoundError", "version 99"),
        new("patch production as writer", "PATCH", Path + "/versions/2", """{"newLabels":["production"]}""", 403, "ForbiddenError", "protected", Key: Writer),
        new("get with version and label", "GET", Path + "?version=1&label=production", null, 400, "InvalidRequestError", "both version and label", ContentType: null),
        new("get version zero", "GET", Path + "?version=0", null, 400, "InvalidRequestError", "positive integer", ContentType: null),
        new("get repeated label", "GET", Path + "?label=a&label=b", null, 400, "InvalidRequestError", "once", ContentType: null),
        new("get unknown label", "GET", Path + "?label=canary", null, 404, "LangfuseNotFoundError", "with label 'canary'", ContentType: null),
        new("get unknown prompt", "GET", Root + "/nobody-here", null, 404, "LangfuseNotFoundError", "'nobody-here'", ContentType: null),
        new("get folder name", "GET", Root + "/team%2Fgreeting", null, 400, "InvalidRequestError", "'team/greeting'", ContentType: null),
        new("list limit too large", "GET", Root + "?limit=101", null, 400, "InvalidRequestError", "1 to 100", ContentType: null),
        new("list page zero", "GET", Root + "?page=0", null, 400, "InvalidRequestError", "'page'", ContentType: null),
        new("list bad date", "GET", Root + "?fromUpdatedAt=yesterday", null, 400, "InvalidRequestError", "ISO 8601", ContentType: null),
        new("delete with version and label", "DELETE", Path + "?version=1&label=production", null, 400, "InvalidRequestError", "both version and label", ContentType: null),
        new("delete unknown version", "DELETE", Path + "?version=42", null, 404, "LangfuseNotFoundError", "with version 42", ContentType: null),
        new("delete unknown prompt", "DELETE", Root + "/nobody-here", null, 404, "LangfuseNotFoundError", "Prompt not found", ContentType: null),
        new("delete production version as writer", "DELETE", Path + "?label=production", null, 403, "ForbiddenError", "protected", Key: Writer, ContentType: null),
        new("delete everything as writer", "DELETE", Path, null, 403, "ForbiddenError", "protected", Key: Writer, ContentType: null),
        new("delete as reader", "DELETE", Path + "?version=2", null, 403, "ForbiddenError", "'write'", Key: Reader, ContentType: null),
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
                var api = hosts[kind];
                if ((await api.LangfuseGetAsync(Path + "?version=2")).Status == 200) continue;
                await api.CreateLangfuseAsync(Text(Prompt, "Hello {{name}}", ["production"]));
                await api.CreateLangfuseAsync(Text(Prompt, "Hi {{name}}", ["staging"]));
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
    public async Task Bad_input_gets_a_Langfuse_error_and_changes_nothing(string kind, Case c)
    {
        var api = hosts[kind];
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var authorization = c.Authorization ?? Basic((c.Key ?? Admin).Item1, (c.Key ?? Admin).Item2);
        var headers = authorization.Length == 0 ? null : Samples.Header("Authorization", authorization);

        var response = await api.SendAsync(new HttpMethod(c.Method), c.Path, c.Body, key: null, headers, c.ContentType);

        var message = AssertError(response, c.Status, c.Error);
        if (c.MessageContains is not null) Assert.Contains(c.MessageContains, message);
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }
}
