using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Datasets;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Experiments;

/// <summary>
/// Issue 13, family 6, through the APIs that accept evaluators (the playground and experiments) on both hosts: an
/// evaluator that would spend unbounded time on a model's output records an error for that row instead, and a
/// pattern that keeps timing out stops being run.
/// </summary>
public sealed class BoundedEvaluatorTests
{
    // The model answers with a string on which "^(a+)+$" backtracks through 2^40 ways of splitting it.
    private static readonly string Evil = new string('a', 40) + "b";

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Evaluators_on_hostile_outputs_record_errors_within_their_bounds(string kind)
    {
        // Names of its own: on the Functions host every class shares one host.
        var dataset = Drivers.PromptName("evil-rows");
        await using var host = await ExperimentTestHost.StartAsync(kind, request => StubReply.Text(request.LastUserText switch
        {
            "json" => $"\"{Evil}\"",
            "long" => new string('y', 20_000),
            _ => Evil,
        }));
        var api = host.Api;
        var prompt = Drivers.PromptName("evil");
        await api.CreateVersionAsync(prompt, JsonNode.Parse("""{"template":"{{kind}}","model":{"provider":"openai_compatible","name":"stub-model"}}""")!);

        var playground = await api.PostAsync("/api/playground", new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = prompt },
            ["variables"] = new JsonObject { ["kind"] = "json" },
            ["evaluators"] = JsonNode.Parse("""
                [{"type": "json_schema", "name": "schema", "schema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "string", "pattern": "^(a+)+$"}},
                 {"type": "levenshtein", "name": "distance", "value": "VALUE"}]
                """.Replace("VALUE", new string('z', 20_000), StringComparison.Ordinal)),
        });
        Assert.Equal(200, playground.Status);
        var scores = playground.Json["results"]![0]!["scores"]!.AsArray().ToDictionary(s => s!["name"].Str()!);
        Assert.Contains("a 'pattern' of the schema did not finish within 200 ms per match", scores["schema"]!["error"].Str());
        Assert.Null(scores["schema"]!["score"]);
        // 42 characters against 20,000 is cheap, and compared; 20,000 against 20,000 is refused with the reason.
        Assert.NotNull(scores["distance"]!["score"]);
        var longer = await api.PostAsync("/api/playground", new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = prompt },
            ["variables"] = new JsonObject { ["kind"] = "long" },
            ["evaluators"] = JsonNode.Parse($$"""[{"type": "levenshtein", "value": "{{new string('z', 20_000)}}"}]"""),
        });
        Assert.Contains("edit distance takes time proportional to their product", longer.Json["results"]![0]!["scores"]![0]!["error"].Str());

        // One lane, so rows are scored one after another: three time out, then the pattern is no longer run.
        await host.UploadAsync(dataset, Enumerable.Range(0, 6).Select(i => new JsonObject { ["input"] = new JsonObject { ["kind"] = $"text {i}" } }));
        var experiment = await host.WaitAsync((await host.StartAsync(new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = prompt },
            ["dataset"] = new JsonObject { ["name"] = dataset },
            ["evaluators"] = JsonNode.Parse("""[{"type": "regex", "pattern": "^(a+)+$", "timeout_ms": 20}]"""),
            ["max_concurrency"] = 1,
        }))["id"].Str()!);
        Assert.Equal("completed", experiment["status"].Str());
        var errors = (await host.RowsAsync(experiment["id"].Str()!)).Select(r => r["scores"]![0]!["error"].Str()!).ToList();
        Assert.Equal(6, errors.Count);
        Assert.Equal(3, errors.Count(e => e.Contains("did not finish within 20 ms", StringComparison.Ordinal)));
        Assert.Equal(3, errors.Count(e => e.Contains("timed out on 3 outputs of this run already, so it is no longer run", StringComparison.Ordinal)));
    }
}
