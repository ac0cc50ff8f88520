using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Experiments;

/// <summary>Experiments end to end on both hosts: the orchestration on the in-process engine, the stub model over HTTP.</summary>
public sealed class ExperimentTests
{
    private static JsonObject Example(string question, string expected) =>
        new() { ["input"] = new JsonObject { ["question"] = question }, ["expected"] = expected };

    private static JsonObject EchoPrompt() => new()
    {
        ["template"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = "Answer exactly." },
            new JsonObject { ["role"] = "user", ["content"] = "echo: {{question}}" }),
        ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
        ["invocation_parameters"] = new JsonObject { ["temperature"] = 0 },
    };

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task An_experiment_runs_every_row_and_aggregates_scores(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind);
        await host.Api.CreateVersionAsync("qa", EchoPrompt(), tags: ["staging"]);
        // Every third expected answer is wrong, so exact match passes two rows in three.
        await host.UploadAsync("questions", Enumerable.Range(0, 90).Select(i => Example($"q{i}", i % 3 == 0 ? "wrong" : $"q{i}")));

        var started = await host.StartAsync(new JsonObject
        {
            ["prompt"] = ExperimentTestHost.Prompt("qa", "staging"),
            ["dataset"] = new JsonObject { ["name"] = "questions" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"},{"type":"contains","name":"has_q","value":"q"}]"""),
            ["repetitions"] = 2,
            ["max_concurrency"] = 8,
            ["name"] = "baseline",
        });
        var id = started["id"]!.GetValue<string>();
        Assert.Equal($"/api/experiments/{id}", started["status_url"]!.GetValue<string>());
        var done = await host.WaitAsync(id);

        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(180, done["progress"]!["done"]!.GetValue<int>());
        Assert.Equal(180, done["progress"]!["total"]!.GetValue<int>());
        var exact = done["aggregates"]!["evaluators"]!["exact_match"]!;
        Assert.Equal(2.0 / 3, exact["pass_rate"]!.GetValue<double>(), 6);
        Assert.Equal(1.0, done["aggregates"]!["evaluators"]!["has_q"]!["pass_rate"]!.GetValue<double>());
        Assert.Equal(180, host.Model.Calls);
        Assert.True(done["aggregates"]!["cost"]!.GetValue<double>() > 0);

        var rows = await host.RowsAsync(id);
        Assert.Equal(180, rows.Count);
        Assert.Equal(180, rows.Select(r => (r["index"]!.GetValue<long>(), r["repetition"]!.GetValue<int>())).Distinct().Count());
        Assert.All(rows, r => Assert.Null(r["error"]));
        Assert.Equal("q5", rows.Single(r => r["index"]!.GetValue<int>() == 5 && r["repetition"]!.GetValue<int>() == 1)["output"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Rate_limits_and_server_errors_are_retried(string kind)
    {
        var attempts = new ConcurrentDictionary<string, int>();
        StubReply FlakyOnce(StubRequest request)
        {
            var attempt = attempts.AddOrUpdate(request.LastUserText, 1, (_, n) => n + 1);
            return attempt switch
            {
                1 => StubReply.Error(429),
                2 => StubReply.Error(503),
                _ => StubModelServer.DefaultResponder(request),
            };
        }
        await using var host = await ExperimentTestHost.StartAsync(kind, FlakyOnce);
        await host.Api.CreateVersionAsync("qa", EchoPrompt());
        await host.UploadAsync("questions", Enumerable.Range(0, 20).Select(i => Example($"q{i}", $"q{i}")));

        var id = (await host.StartAsync(new JsonObject
        {
            ["prompt"] = ExperimentTestHost.Prompt("qa"),
            ["dataset"] = new JsonObject { ["name"] = "questions" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
        }))["id"]!.GetValue<string>();
        var done = await host.WaitAsync(id);

        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(1.0, done["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>());
        Assert.Equal(60, host.Model.Calls);
        Assert.Equal(0, done["aggregates"]!["errors"]!.GetValue<int>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_failing_row_is_recorded_and_does_not_fail_the_experiment(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind);
        await host.Api.CreateVersionAsync("raw", new JsonObject { ["template"] = "{{question}}" });
        await host.UploadAsync("mixed", [Example("echo: fine", "fine"), Example("fail: 400", "x"), Example("echo: also fine", "also fine"), new JsonObject { ["input"] = new JsonObject { ["other"] = 1 } }]);

        var id = (await host.StartAsync(new JsonObject
        {
            ["prompt"] = ExperimentTestHost.Prompt("raw"),
            ["dataset"] = new JsonObject { ["name"] = "mixed" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
        }))["id"]!.GetValue<string>();
        var done = await host.WaitAsync(id);

        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(2, done["aggregates"]!["errors"]!.GetValue<int>());
        var rows = await host.RowsAsync(id);
        Assert.Contains("status 400", rows[1]["error"]!.GetValue<string>());
        Assert.Contains("question", rows[3]["error"]!.GetValue<string>());
        Assert.Equal("fine", rows[0]["output"]!.GetValue<string>());
        // 400 is not retried: one call for it, none for the row that could not render.
        Assert.Equal(3, host.Model.Calls);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_replay_of_a_recorded_run_makes_no_model_calls_and_reproduces_it(string kind)
    {
        var counter = 0;
        // Answers depend on call order, so only a true replay can reproduce them.
        await using var host = await ExperimentTestHost.StartAsync(kind, r => StubReply.Text($"{r.LastUserText} #{Interlocked.Increment(ref counter)}"));
        await host.Api.CreateVersionAsync("raw", new JsonObject { ["template"] = "{{question}}" });
        await host.UploadAsync("set", Enumerable.Range(0, 30).Select(i => Example($"q{i}", $"q{i} #1")));
        JsonObject Request(string cache) => new()
        {
            ["prompt"] = ExperimentTestHost.Prompt("raw"),
            ["dataset"] = new JsonObject { ["name"] = "set" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"levenshtein","threshold":0.5}]"""),
            ["repetitions"] = 2,
            ["cache"] = cache,
        };

        var recorded = await host.WaitAsync((await host.StartAsync(Request("record")))["id"]!.GetValue<string>());
        var callsAfterRecord = host.Model.Calls;
        var replayed = await host.WaitAsync((await host.StartAsync(Request("replay")))["id"]!.GetValue<string>());

        Assert.Equal(60, callsAfterRecord);
        Assert.Equal(60, host.Model.Calls);
        var before = await host.RowsAsync(recorded["id"]!.GetValue<string>());
        var after = await host.RowsAsync(replayed["id"]!.GetValue<string>());
        Assert.Equal(before.Select(r => (r["output"]!.GetValue<string>(), r["scores"]!.ToJsonString())), after.Select(r => (r["output"]!.GetValue<string>(), r["scores"]!.ToJsonString())));
        Assert.Equal(recorded["aggregates"]!["evaluators"]!.ToJsonString(), replayed["aggregates"]!["evaluators"]!.ToJsonString());

        // A replay of requests never recorded is a row error each, not a model call.
        await host.UploadAsync("unseen", [Example("never asked", "x")]);
        var missing = await host.WaitAsync((await host.StartAsync(new JsonObject
        {
            ["prompt"] = ExperimentTestHost.Prompt("raw"),
            ["dataset"] = new JsonObject { ["name"] = "unseen" },
            ["cache"] = "replay",
        }))["id"]!.GetValue<string>());
        Assert.Equal(1, missing["aggregates"]!["errors"]!.GetValue<int>());
        Assert.Equal(60, host.Model.Calls);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Cancel_stops_a_running_experiment(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind, latency: TimeSpan.FromMilliseconds(300));
        await host.Api.CreateVersionAsync("raw", new JsonObject { ["template"] = "{{question}}" });
        await host.UploadAsync("long", Enumerable.Range(0, 200).Select(i => Example($"q{i}", "x")));
        var id = (await host.StartAsync(new JsonObject
        {
            ["prompt"] = ExperimentTestHost.Prompt("raw"),
            ["dataset"] = new JsonObject { ["name"] = "long" },
            ["max_concurrency"] = 2,
        }))["id"]!.GetValue<string>();
        await Task.Delay(1000);

        var cancel = await host.Api.SendAsync(HttpMethod.Post, $"/api/experiments/{id}/cancel", contentType: null);
        Assert.Equal(200, cancel.Status);
        Assert.Equal("cancelled", cancel.Json["status"]!.GetValue<string>());
        await Task.Delay(2500);
        var calls = host.Model.Calls;
        await Task.Delay(1500);

        Assert.Equal(calls, host.Model.Calls);
        Assert.True(calls < 100, $"{calls} calls after cancel");
        var final = await host.Api.GetAsync($"/api/experiments/{id}");
        Assert.Equal("cancelled", final.Json["status"]!.GetValue<string>());
        Assert.Equal(409, (await host.Api.SendAsync(HttpMethod.Post, $"/api/experiments/{id}/cancel", contentType: null)).Status);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Invalid_experiments_are_rejected_before_anything_is_stored(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind);
        await host.Api.CreateVersionAsync("raw", new JsonObject { ["template"] = "{{question}}" });
        await host.UploadAsync("set", [Example("a", "a")]);
        await using var quiet = await host.QuietAsync();
        var before = await host.Api.Storage.SnapshotAsync();

        foreach (var (body, path) in new (string Body, string Path)[]
        {
            ("""{"prompt":{"name":"raw"},"dataset":{"name":"set"},"model":{"connection":"nope"}}""", "$.model.connection"),
            ("""{"prompt":{"name":"raw"},"dataset":{"name":"set"},"model":{"endpoint":"http://169.254.169.254/"}}""", "$.model.endpoint"),
            ("""{"prompt":{"name":"raw"},"dataset":{"name":"set"},"model":{"api_key":"sk-x"}}""", "$.model.api_key"),
            ("""{"prompt":{"name":"missing"},"dataset":{"name":"set"}}""", "$.prompt.name"),
            ("""{"prompt":{"name":"raw","tag":"nope"},"dataset":{"name":"set"}}""", "$.prompt.tag"),
            ("""{"prompt":{"name":"raw"},"dataset":{"name":"nope"}}""", "$.dataset"),
            ("""{"prompt":{"name":"raw"},"dataset":{"name":"set","split":"nope"}}""", "$.dataset"),
            ("""{"prompt":{"name":"raw"},"dataset":{"name":"set"},"evaluators":[{"type":"telepathy"}]}""", "$.evaluators[0].type"),
            ("""{"prompt":{"name":"raw"},"dataset":{"name":"set"},"repetitions":0}""", "$.repetitions"),
            ("""{"prompt":{"name":"raw"},"dataset":{"name":"set"},"max_concurrency":100000}""", "$.max_concurrency"),
            ("""{"prompt":{"name":"raw"},"dataset":{"name":"set"},"cache":"sometimes"}""", "$.cache"),
            ("""{"prompt":{"name":"raw","draft":{"template":"{{#x}}"}},"dataset":{"name":"set"}}""", "$.prompt.draft.template"),
            ("""{"prompt":{"name":"raw"},"dataset":{"name":"set"},"model":{"invocation_parameters":{"temperature":9}}}""", "$.model.invocation_parameters.temperature"),
        })
        {
            var response = await host.Api.PostAsync("/api/experiments", JsonNode.Parse(body)!);
            Assert.True(response.Status == 422, $"{body}: {response}");
            Assert.Contains(response.Json["errors"]!.AsArray(), e => e!["path"]!.GetValue<string>() == path);
        }
        Assert.Equal(400, (await host.Api.SendAsync(HttpMethod.Post, "/api/experiments", "{not json")).Status);
        Assert.Equal(403, (await host.Api.PostAsync("/api/experiments", JsonNode.Parse("""{"prompt":{"name":"raw"},"dataset":{"name":"set"}}""")!, key: TestKeys.Reader)).Status);
        Assert.Equal(before, await host.Api.Storage.SnapshotAsync());
        Assert.Equal(0, host.Model.Calls);
        Assert.Equal(404, (await host.Api.GetAsync($"/api/experiments/{new string('a', 32)}")).Status);
        Assert.Equal(400, (await host.Api.GetAsync("/api/experiments/not-an-id")).Status);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task An_llm_judge_runs_on_its_connection_and_replays_from_the_recording(string kind)
    {
        // The judge's request carries the rubric; the stub grades answers that contain the expected text.
        static StubReply Respond(StubRequest request)
        {
            if (!request.SystemText.Contains("rubric", StringComparison.OrdinalIgnoreCase) && !request.LastUserText.Contains("Rubric", StringComparison.OrdinalIgnoreCase))
                return StubModelServer.DefaultResponder(request);
            var good = !request.LastUserText.Contains("bad answer", StringComparison.Ordinal);
            return StubReply.Text($$"""{"score": {{(good ? 1 : 0)}}, "label": "{{(good ? "pass" : "fail")}}", "explanation": "graded by the stub"}""");
        }
        await using var host = await ExperimentTestHost.StartAsync(kind, Respond);
        await host.Api.CreateVersionAsync("raw", new JsonObject { ["template"] = "{{question}}" });
        await host.UploadAsync("judged", [Example("echo: good answer", "x"), Example("echo: bad answer", "x")]);
        JsonObject Request(string cache) => new()
        {
            ["prompt"] = ExperimentTestHost.Prompt("raw"),
            ["dataset"] = new JsonObject { ["name"] = "judged" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"llm_judge","name":"quality","rubric":"The answer must be good.","connection":"stub"}]"""),
            ["cache"] = cache,
        };

        var recorded = await host.WaitAsync((await host.StartAsync(Request("record")))["id"]!.GetValue<string>());
        var calls = host.Model.Calls;
        var replayed = await host.WaitAsync((await host.StartAsync(Request("replay")))["id"]!.GetValue<string>());

        Assert.Equal(4, calls);
        Assert.Equal(4, host.Model.Calls);
        var quality = recorded["aggregates"]!["evaluators"]!["quality"]!;
        Assert.Equal(0.5, quality["mean"]!.GetValue<double>());
        Assert.Equal(quality.ToJsonString(), replayed["aggregates"]!["evaluators"]!["quality"]!.ToJsonString());
        var rows = await host.RowsAsync(recorded["id"]!.GetValue<string>());
        Assert.Contains("graded by the stub", rows[0]["scores"]![0]!["explanation"]!.GetValue<string>());

        var unknown = await host.Api.PostAsync("/api/experiments", new JsonObject
        {
            ["prompt"] = ExperimentTestHost.Prompt("raw"),
            ["dataset"] = new JsonObject { ["name"] = "judged" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"llm_judge","rubric":"r","connection":"elsewhere"}]"""),
        });
        Assert.Equal(422, unknown.Status);
        Assert.Equal("$.evaluators[0].connection", unknown.Json["errors"]![0]!["path"]!.GetValue<string>());
    }
}
