using System.Text.Json.Nodes;
using PromptFunctions.Cli;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Suites;

/// <summary>The pf CLI's command handlers run in-process against the local host over HTTP; exit codes and output asserted.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private SuiteTestHost _host = null!;
    private string _folder = null!;

    private LocalHostDriver Local => (LocalHostDriver)_host.Api;

    /// <summary>The baseline echoes; "candidate-bad" answers wrong on 3 rows in 20.</summary>
    private static StubReply Models(StubRequest request)
    {
        var i = SuiteTestHost.Question(request);
        if (request.Model == "candidate-bad" && i % 20 < 3) return StubReply.Text("wrong");
        return StubModelServer.DefaultResponder(request);
    }

    public async Task InitializeAsync()
    {
        _host = await SuiteTestHost.StartAsync(Drivers.LocalHost, Models);
        _folder = Directory.CreateTempSubdirectory("pf-cli-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private sealed record Result(int ExitCode, string Output, string Error);

    private async Task<Result> PfAsync(params string[] args) => await PfWithEnvironmentAsync(new() { ["PF_URL"] = Local.BaseAddress.ToString(), ["PF_KEY"] = TestKeys.Admin }, args);

    private static async Task<Result> PfWithEnvironmentAsync(Dictionary<string, string> environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await Pf.RunAsync(args, output, error, name => environment.GetValueOrDefault(name));
        return new Result(code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Push_is_idempotent_prints_what_changed_and_moves_the_tag()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "greeting.yaml"), """
            template:
              - role: user
                content: "Say hello to {{name}}."
            template_format: mustache
            invocation_parameters:
              temperature: 0.2
              max_tokens: 50
            """);
        await File.WriteAllTextAsync(Path.Combine(_folder, "summary.json"), """{"template": "Summarize: {{text}}", "template_format": "mustache"}""");

        var first = await PfAsync("push", _folder, "--tag", "staging");
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("greeting: created v1", first.Output);
        Assert.Contains("summary: created v1", first.Output);
        Assert.Contains("staging moved to v1", first.Output);
        Assert.Contains("2 of 2 prompt(s) changed", first.Output);
        var fetched = await _host.Api.GetAsync("/api/prompts/greeting/tags/staging");
        Assert.Equal(0.2, fetched.Json["invocation_parameters"]!["temperature"]!.GetValue<double>());
        Assert.Equal(50, fetched.Json["invocation_parameters"]!["max_tokens"]!.GetValue<int>());

        var again = await PfAsync("push", _folder, "--tag", "staging");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("greeting: unchanged v1", again.Output);
        Assert.Contains("nothing changed", again.Output);

        await File.WriteAllTextAsync(Path.Combine(_folder, "summary.json"), """{"template": "Summarize briefly: {{text}}", "template_format": "mustache"}""");
        var changed = await PfAsync("push", _folder, "--json");
        Assert.Equal(0, changed.ExitCode);
        var results = JsonNode.Parse(changed.Output)!.AsArray();
        Assert.False(results.Single(r => r!["prompt"]!.GetValue<string>() == "greeting")!["created"]!.GetValue<bool>());
        var summary = results.Single(r => r!["prompt"]!.GetValue<string>() == "summary")!;
        Assert.True(summary["created"]!.GetValue<bool>());
        Assert.Equal(2, summary["sequence"]!.GetValue<int>());

        await File.WriteAllTextAsync(Path.Combine(_folder, "broken.yaml"), "template: [unclosed");
        var broken = await PfAsync("push", _folder);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("broken.yaml", broken.Error);
    }

    [Fact]
    public async Task Tag_diff_and_rollback_work_through_the_client()
    {
        await _host.Api.CreateVersionAsync("qa", SuiteTestHost.EchoPrompt(), tags: ["production"]);
        var second = SuiteTestHost.EchoPrompt();
        second["invocation_parameters"] = new JsonObject { ["temperature"] = 0.7 };
        await _host.Api.CreateVersionAsync("qa", second);

        var tag = await PfAsync("tag", "qa", "production", "v2", "--reason", "release 7");
        Assert.Equal(0, tag.ExitCode);
        Assert.Contains("production now points at v2", tag.Output);

        var diff = await PfAsync("diff", "qa", "v1", "v2");
        Assert.Equal(0, diff.ExitCode);
        Assert.Contains("v1", diff.Output);
        Assert.Contains("0.7", diff.Output);

        var rollback = await PfAsync("rollback", "qa", "production", "--json");
        Assert.Equal(0, rollback.ExitCode);
        Assert.Equal(1, JsonNode.Parse(rollback.Output)!["version"]!["sequence"]!.GetValue<int>());

        var missing = await PfAsync("tag", "qa", "production", "v9");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no version 'v9'", missing.Error);
    }

    [Fact]
    public async Task Run_suite_wait_prints_the_verdict_table_and_exits_with_the_verdict()
    {
        await _host.SeedAsync("qa", "questions", 400);
        Assert.Equal(201, (await _host.PutSuiteAsync("swap", SuiteTestHost.Definition("qa", "questions", "candidate-bad"))).Status);
        Assert.Equal(201, (await _host.PutSuiteAsync("same", SuiteTestHost.Definition("qa", "questions", "stub-model"))).Status);

        var regressed = await PfAsync("run-suite", "swap", "--wait", "--poll-seconds", "0.2");
        Assert.Equal(ExitCodes.Regressed, regressed.ExitCode);
        Assert.Contains("exact_match", regressed.Output);
        Assert.Contains("regressed", regressed.Output);
        Assert.Contains("-0.150", regressed.Output);
        Assert.Contains("verdict: regressed", regressed.Output);

        var pass = await PfAsync("run-suite", "same", "--wait", "--poll-seconds", "0.2", "--json");
        Assert.Equal(ExitCodes.Pass, pass.ExitCode);
        var run = JsonNode.Parse(pass.Output)!;
        Assert.Equal("non_inferior", run["verdict"]!.GetValue<string>());

        // The gate over experiments that already ran: the regressed run's baseline and candidate.
        var swap = (await _host.Api.GetAsync("/api/suites/swap/runs")).Json["data"]![0]!;
        var gate = await PfAsync("gate", "--baseline", swap["baseline"]!["experiment_id"]!.GetValue<string>(),
            "--candidate", swap["candidates"]![0]!["experiment_id"]!.GetValue<string>());
        Assert.Equal(ExitCodes.Regressed, gate.ExitCode);
        Assert.Contains("verdict: regressed", gate.Output);

        var started = await PfAsync("run-suite", "same");
        Assert.Equal(0, started.ExitCode);
        Assert.StartsWith("started run ", started.Output);
    }

    [Fact]
    public async Task Gate_runs_prompt_versions_on_a_dataset_and_reports_inconclusive_or_pass()
    {
        await _host.SeedAsync("qa", "questions", 30);
        // Version 2 answers through a system message the stub ignores: identical outputs, so non-inferior.
        var same = SuiteTestHost.EchoPrompt();
        same["template"]!.AsArray().Insert(0, new JsonObject { ["role"] = "system", ["content"] = "Be exact." });
        await _host.Api.CreateVersionAsync("qa", same, tags: ["staging"]);
        var evaluators = Path.Combine(_folder, "evaluators.json");
        await File.WriteAllTextAsync(evaluators, """[{"type":"exact_match"}]""");

        var pass = await PfAsync("gate", "--baseline", "qa@production", "--candidate", "qa@staging", "--dataset", "questions",
            "--evaluators", evaluators, "--poll-seconds", "0.2");
        Assert.Equal(ExitCodes.Pass, pass.ExitCode);
        Assert.Contains("non_inferior", pass.Output);

        // A third version that breaks two of thirty rows: too few rows to tell, so inconclusive with its MDE.
        var off = SuiteTestHost.EchoPrompt();
        off["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "echo: {{question}}{{#broken}}!{{/broken}}" });
        await _host.Api.CreateVersionAsync("qa", off);
        await _host.Host.UploadAsync("questions", Enumerable.Range(0, 30).Select(i =>
        {
            var example = SuiteTestHost.Example(i);
            example["input"]!["broken"] = i is 4 or 19;
            return example;
        }));
        var inconclusive = await PfAsync("gate", "--baseline", "qa@v1", "--candidate", "qa@v3", "--dataset", "questions",
            "--evaluators", """[{"type":"exact_match"}]""", "--poll-seconds", "0.2", "--json");
        Assert.Equal(ExitCodes.Inconclusive, inconclusive.ExitCode);
        var verdict = JsonNode.Parse(inconclusive.Output)!;
        Assert.Equal("inconclusive", verdict["verdict"]!.GetValue<string>());
        Assert.True(verdict["candidates"]![0]!["evaluators"]![0]!["minimum_detectable_effect"]!.GetValue<double>() > 0.05, inconclusive.Output);
    }

    [Fact]
    public async Task Errors_exit_1_with_a_message()
    {
        var noUrl = await PfWithEnvironmentAsync(new(), "run-suite", "x");
        Assert.Equal(1, noUrl.ExitCode);
        Assert.Contains("PF_URL", noUrl.Error);

        var flags = await PfWithEnvironmentAsync(new(), "run-suite", "nope", "--url", Local.BaseAddress.ToString(), "--key", TestKeys.Admin);
        Assert.Equal(1, flags.ExitCode);
        Assert.Contains("404", flags.Error);

        var badKey = await PfWithEnvironmentAsync(new() { ["PF_URL"] = Local.BaseAddress.ToString(), ["PF_KEY"] = "wrong" }, "run-suite", "nope");
        Assert.Equal(1, badKey.ExitCode);
        Assert.Contains("401", badKey.Error);

        var badRef = await PfAsync("gate", "--baseline", "not-a-ref", "--candidate", "also-not");
        Assert.Equal(1, badRef.ExitCode);
        Assert.Contains("neither an experiment id", badRef.Error);

        var usage = await PfAsync("gate", "--baseline", "x");
        Assert.Equal(1, usage.ExitCode);
    }
}
