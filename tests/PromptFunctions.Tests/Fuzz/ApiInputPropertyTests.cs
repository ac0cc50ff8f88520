using CsCheck;
using PromptFunctions.Prompts.Tests.Fuzz;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Fuzz;

/// <summary>
/// Issue 13's property test at the API, on both hosts: whatever an upload or a JSON body holds, the answer is a
/// success or a 4xx that says what is wrong, never a 5xx. The inputs are small, so they stay clear of the
/// storage-size limits that are a separate family (issue 13, family 3); multipart bodies wait for family 4.
/// </summary>
public sealed class ApiInputPropertyTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    private const int Iterations = 150;

    /// <summary>CSV text from the pieces that matter to a CSV reader: separators, quotes, line ends, a byte order mark.</summary>
    private static readonly Gen<string> Csv = Gen.Frequency(
        (6, Gen.OneOf(",", "\"", "\"\"", "\n", "\r\n", "\r", "a", "b", "id", "expected", "split", "input", "=1+1", " ", "\uFEFF", "\ud83d\ude00", "x,y\n", "q,expected\n1,2\n")),
        (1, Gen.Char.Select(c => c.ToString())))
        .Array[0, 60].Select(parts => string.Concat(parts));

    private static readonly Gen<string> Jsonl = HostileJson.Value.Array[0, 6].Select(lines => string.Join("\n", lines));

    private static readonly Gen<string> ExamplesBody = HostileJson.Value.Array[0, 4].Select(examples => "{\"examples\":[" + string.Join(",", examples) + "]}");

    private static async Task AssertAnswerAsync(Func<Task<ApiResponse>> send, bool problemJson = true)
    {
        var response = await send();
        Assert.True(response.Status < 500, response.ToString());
        if (problemJson && response.Status >= 400)
        {
            Assert.StartsWith("application/problem+json", response.ContentType);
            Assert.False(string.IsNullOrWhiteSpace(response.Json["detail"]?.GetValue<string>()), response.Body);
        }
    }

    private static MemoryStream Stream(byte[] bytes) => new(bytes);

    // Not on the Functions host: hundreds of generated requests per run; the real host's routing and body handling of
    // bad input are covered by the bad-input tables, which run there.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Dataset_uploads_in_every_format_are_accepted_or_rejected_with_a_problem(string kind)
    {
        var api = hosts[kind];
        await HostileJson.Bytes(Csv).SampleAsync(bytes => AssertAnswerAsync(() =>
            api.SendStreamAsync(HttpMethod.Post, $"/api/datasets/{Drivers.PromptName("csv")}/versions", Stream(bytes), "text/csv")), iter: Iterations, threads: 1);
        await HostileJson.Bytes(Jsonl).SampleAsync(bytes => AssertAnswerAsync(() =>
            api.SendStreamAsync(HttpMethod.Post, $"/api/datasets/{Drivers.PromptName("jsonl")}/versions", Stream(bytes), "application/x-ndjson")), iter: Iterations, threads: 1);
        await HostileJson.Bytes(ExamplesBody).SampleAsync(bytes => AssertAnswerAsync(() =>
            api.SendStreamAsync(HttpMethod.Post, $"/api/datasets/{Drivers.PromptName("json")}/versions", Stream(bytes), "application/json")), iter: Iterations, threads: 1);
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Json_bodies_of_every_api_are_accepted_or_rejected_with_a_problem(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("fuzz");
        Assert.Equal(201, (await api.SendAsync(HttpMethod.Post, $"/api/prompts/{prompt}/versions", """{"version":{"template":"Hi {{a}} {{#l}}{{.}}{{/l}}"}}""")).Status);

        var version = Gen.Select(HostileJson.Value, HostileJson.Object).Select((template, rest) =>
            $$"""{"version":{"template":{{template}},"metadata":{{rest}}},"message":"fuzz"}""");
        await HostileJson.Bytes(version).SampleAsync(bytes => AssertAnswerAsync(() =>
            api.SendStreamAsync(HttpMethod.Post, $"/api/prompts/{Drivers.PromptName("fuzz")}/versions", Stream(bytes), "application/json")), iter: Iterations, threads: 1);

        var render = HostileJson.Object.Select(variables => $$"""{"variables":{{variables}},"strict":false}""");
        await HostileJson.Bytes(render).SampleAsync(bytes => AssertAnswerAsync(() =>
            api.SendStreamAsync(HttpMethod.Post, $"/api/prompts/{prompt}/render", Stream(bytes), "application/json")), iter: Iterations, threads: 1);

        var playground = HostileJson.Object.Select(variables => $$"""{"prompt":{"name":"{{prompt}}"},"model":{"connection":"none"},"variables":{{variables}}}""");
        await HostileJson.Bytes(playground).SampleAsync(bytes => AssertAnswerAsync(() =>
            api.SendStreamAsync(HttpMethod.Post, "/api/playground", Stream(bytes), "application/json")), iter: Iterations, threads: 1);

        var optimization = Gen.Select(HostileJson.Value, HostileJson.Object, HostileJson.Value).Select((validation, feedback, budget) =>
            $$"""{"prompt":{"name":"{{prompt}}"},"dataset":{"name":"none"},"evaluators":[{"type":"exact_match"}],"optimizer":{"connection":"none"},"budget":{"max_model_calls":{{budget}}},"validation":{{validation}},"feedback":{{feedback}}}""");
        await HostileJson.Bytes(optimization).SampleAsync(bytes => AssertAnswerAsync(() =>
            api.SendStreamAsync(HttpMethod.Post, "/api/optimizations", Stream(bytes), "application/json")), iter: Iterations, threads: 1);

        // Phoenix answers in its own formats (FastAPI JSON or text), Langfuse in {message, error}: no 5xx either way.
        var phoenix = Gen.Select(HostileJson.Value, HostileJson.Object).Select((content, extra) =>
            PhoenixSamples.Create(Drivers.PromptName("phx"), PhoenixSamples.Version()).ToJsonString()
                .Replace("\"Hello {{name}}\"", content, StringComparison.Ordinal)
                .Replace("\"temperature\":0.5", "\"temperature\":0.5,\"extra_body\":" + extra, StringComparison.Ordinal));
        await HostileJson.Bytes(phoenix).SampleAsync(bytes => AssertAnswerAsync(() =>
            api.SendStreamAsync(HttpMethod.Post, "/api/v1/prompts", Stream(bytes), "application/json"), problemJson: false), iter: Iterations, threads: 1);

        var langfuse = Gen.Select(HostileJson.Value, HostileJson.Object).Select((content, config) =>
            $$"""{"name":"{{Drivers.PromptName("lf")}}","type":"text","prompt":{{content}},"config":{{config}},"labels":["staging"]}""");
        await langfuse.SampleAsync(body => AssertAnswerAsync(() =>
            api.SendAsync(HttpMethod.Post, LangfuseTestClient.Root, body, key: null, LangfuseTestClient.Credentials(LangfuseTestClient.Admin)), problemJson: false), iter: Iterations, threads: 1);
    }
}
