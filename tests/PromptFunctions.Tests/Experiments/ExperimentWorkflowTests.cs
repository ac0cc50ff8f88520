using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Experiments;

/// <summary>The product loop on both hosts: upload a CSV, run two prompt versions, compare, promote the winner.</summary>
public sealed class ExperimentWorkflowTests
{
    // The "careful" system prompt answers correctly; the plain one gets every fourth question wrong.
    private static StubReply Model(StubRequest request)
    {
        var question = request.LastUserText;
        var number = int.Parse(question.AsSpan(question.LastIndexOf(' ') + 1), System.Globalization.CultureInfo.InvariantCulture);
        var careful = request.SystemText.Contains("careful", StringComparison.Ordinal);
        return StubReply.Text(!careful && number % 4 == 0 ? "unsure" : $"{number * 2}");
    }

    private static JsonObject Version(string system) => new()
    {
        ["template"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = system },
            new JsonObject { ["role"] = "user", ["content"] = "Double {{n}}" }),
        ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
    };

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Upload_run_compare_and_promote(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind, Model);
        var api = host.Api;
        var v1 = (await api.CreateVersionAsync("doubler", Version("You double numbers."), tags: ["production"]))["id"]!.GetValue<string>();

        var csv = new StringBuilder("n,expected,split\n");
        for (var i = 1; i <= 120; i++) csv.Append(i).Append(',').Append(i * 2).Append(',').Append(i % 5 == 0 ? "holdout" : "test").Append('\n');
        var upload = await api.SendAsync(HttpMethod.Post, "/api/datasets/doubling/versions?expected_column=expected&split_column=split", csv.ToString(), contentType: "text/csv");
        Assert.Equal(201, upload.Status);
        var datasetVersion = upload.Json["id"]!.GetValue<string>();

        JsonObject Run(JsonObject prompt) => new()
        {
            ["prompt"] = prompt,
            ["dataset"] = new JsonObject { ["name"] = "doubling", ["split"] = "test" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"},{"type":"numeric","name":"close","abs_tolerance":0.5}]"""),
            ["max_concurrency"] = 16,
        };
        var baseline = await host.WaitAsync((await host.StartAsync(Run(new JsonObject { ["name"] = "doubler", ["tag"] = "production" })))["id"]!.GetValue<string>());
        var candidateRequest = Run(new JsonObject { ["name"] = "doubler", ["draft"] = Version("You are a careful assistant who doubles numbers."), ["parent"] = "v1" });
        var candidate = await host.WaitAsync((await host.StartAsync(candidateRequest))["id"]!.GetValue<string>());
        var baselineId = baseline["id"]!.GetValue<string>();
        var candidateId = candidate["id"]!.GetValue<string>();

        Assert.Equal(96, baseline["dataset"]!["examples"]!.GetValue<int>());
        Assert.Equal(datasetVersion, baseline["dataset"]!["version"]!.GetValue<string>());
        Assert.Equal(0.75, baseline["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>(), 6);
        Assert.Equal(1.0, candidate["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>(), 6);

        var compare = await api.GetAsync($"/api/experiments/compare?baseline={baselineId}&candidate={candidateId}&seed=7");
        Assert.Equal(200, compare.Status);
        var exact = compare.Json["evaluators"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "exact_match")!;
        Assert.Equal("improved", exact["verdict"]!.GetValue<string>());
        Assert.Equal(96, compare.Json["paired_rows"]!.GetValue<int>());
        Assert.True(exact["pass_fail"]!["mc_nemar_p_value"]!.GetValue<double>() < 0.001);
        var reversed = await api.GetAsync($"/api/experiments/compare?baseline={candidateId}&candidate={baselineId}&seed=7");
        var regressedRows = reversed.Json["evaluators"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "exact_match")!["top_regressions"]!.AsArray();
        Assert.Equal("regressed", reversed.Json["evaluators"]![0]!["verdict"]!.GetValue<string>());
        Assert.NotEmpty(regressedRows);

        // Different data cannot be compared.
        await host.UploadAsync("other", [new JsonObject { ["input"] = new JsonObject { ["n"] = 4 }, ["expected"] = "8" }]);
        var elsewhere = await host.WaitAsync((await host.StartAsync(new JsonObject { ["prompt"] = new JsonObject { ["name"] = "doubler" }, ["dataset"] = new JsonObject { ["name"] = "other" } }))["id"]!.GetValue<string>());
        Assert.Equal(409, (await api.GetAsync($"/api/experiments/compare?baseline={baselineId}&candidate={elsewhere["id"]!.GetValue<string>()}")).Status);

        // Export: every row with its example, as JSON Lines and as CSV.
        var jsonl = await api.GetAsync($"/api/experiments/{candidateId}/export?format=jsonl");
        Assert.Equal(200, jsonl.Status);
        var lines = jsonl.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(96, lines.Count);
        Assert.True(lines[0]!["expected"] is not null, jsonl.Body[..Math.Min(600, jsonl.Body.Length)]);
        Assert.Equal(lines[0]!["expected"]!.GetValue<string>(), lines[0]!["output"]!.GetValue<string>());
        var csvExport = await api.GetAsync($"/api/experiments/{candidateId}/export?format=csv");
        Assert.StartsWith("text/csv", csvExport.ContentType);
        var csvLines = csvExport.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(97, csvLines.Length);
        Assert.Contains("exact_match.score", csvLines[0]);

        // Promotion saves the draft as a version with its lineage and, with the promote role, moves production.
        Assert.Equal(403, (await api.PostAsync($"/api/experiments/{candidateId}/promote", new JsonObject { ["tag"] = "production" }, key: TestKeys.Writer)).Status);
        var promoted = await api.PostAsync($"/api/experiments/{candidateId}/promote", new JsonObject { ["tag"] = "production", ["message"] = "careful wins" }, key: TestKeys.Promoter);
        Assert.Equal(201, promoted.Status);
        Assert.Equal(candidateId, promoted.Json["experiment_id"]!.GetValue<string>());
        Assert.Equal(v1, promoted.Json["parent"]!.GetValue<string>());
        Assert.Equal(2, promoted.Json["sequence"]!.GetValue<int>());
        var production = await api.GetAsync("/api/prompts/doubler/tags/production");
        Assert.Equal(promoted.Json["id"]!.GetValue<string>(), production.Json["id"]!.GetValue<string>());
        Assert.Contains("careful", production.Json["template"]!["messages"]![0]!["content"]!.GetValue<string>());
        Assert.Equal(promoted.Json["id"]!.GetValue<string>(), (await api.GetAsync($"/api/experiments/{candidateId}")).Json["promoted_version"]!.GetValue<string>());

        var listed = await api.GetAsync("/api/experiments?prompt=doubler&dataset=doubling");
        Assert.Equal(2, listed.Json["data"]!.AsArray().Count);
        Assert.Equal(candidateId, listed.Json["data"]![0]!["id"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Playground_runs_variables_examples_and_dataset_rows_synchronously(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind, Model);
        var api = host.Api;
        await api.CreateVersionAsync("playground-doubler", Version("You double numbers."));
        await host.UploadAsync("few", Enumerable.Range(1, 30).Select(i => new JsonObject { ["input"] = new JsonObject { ["n"] = i }, ["expected"] = $"{i * 2}" }));

        var single = await api.PostAsync("/api/playground", new JsonObject { ["prompt"] = new JsonObject { ["name"] = "playground-doubler" }, ["variables"] = new JsonObject { ["n"] = 21 } });
        Assert.Equal(200, single.Status);
        Assert.Equal("42", single.Json["results"]![0]!["output"]!.GetValue<string>());

        var draft = await api.PostAsync("/api/playground", new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = "playground-doubler", ["draft"] = Version("You are careful.") },
            ["examples"] = JsonNode.Parse("""[{"input":{"n":4},"expected":"8"},{"input":{"n":8},"expected":"16"}]"""),
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
        });
        Assert.Equal(200, draft.Status);
        Assert.All(draft.Json["results"]!.AsArray(), r => Assert.True(r!["scores"]![0]!["passed"]!.GetValue<bool>()));

        var fromDataset = await api.PostAsync("/api/playground", new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = "playground-doubler" },
            ["dataset"] = new JsonObject { ["name"] = "few", ["offset"] = 2, ["limit"] = 20 },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
        });
        Assert.Equal(200, fromDataset.Status);
        var results = fromDataset.Json["results"]!.AsArray();
        Assert.Equal(20, results.Count);
        Assert.Equal(3, results[0]!["input"]!["n"]!.GetValue<int>());
        Assert.Equal(0.75, fromDataset.Json["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>(), 6);

        await using var quiet = await host.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        Assert.Equal(422, (await api.PostAsync("/api/playground", JsonNode.Parse("""{"prompt":{"name":"playground-doubler"},"examples":[]}""")!)).Status);
        Assert.Equal(422, (await api.PostAsync("/api/playground", JsonNode.Parse("""{"prompt":{"name":"playground-doubler"},"variables":{},"dataset":{"name":"few"}}""")!)).Status);
        Assert.Equal(422, (await api.PostAsync("/api/playground", JsonNode.Parse("""{"prompt":{"name":"playground-doubler"},"dataset":{"name":"few","limit":21}}""")!)).Status);
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }
}
