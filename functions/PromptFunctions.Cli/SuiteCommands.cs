using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Client;
using PromptFunctions.Contracts.Experiments;
using PromptFunctions.Contracts.Suites;

namespace PromptFunctions.Cli;

/// <summary><c>pf run-suite</c> and <c>pf gate</c>: both end in a verdict table and the verdict's exit code.</summary>
internal static class SuiteCommands
{
    private static readonly Option<double> PollSeconds = new("--poll-seconds") { Description = "Seconds between status checks", DefaultValueFactory = _ => 2 };
    private static readonly Option<double> TimeoutMinutes = new("--timeout-minutes") { Description = "Give up waiting after this long (exit 1)", DefaultValueFactory = _ => 120 };

    public static Command RunSuite(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        var name = new Argument<string>("name") { Description = "The suite" };
        var wait = new Option<bool>("--wait") { Description = "Wait for the verdict and exit with its code (0 pass, 2 inconclusive, 3 regressed, 1 error)" };
        var command = new Command("run-suite", "Start a run of a suite; with --wait, print its verdicts.") { name, wait, PollSeconds, TimeoutMinutes };
        command.SetAction((parse, cancellationToken) => Pf.WithClientAsync(parse, error, environment, async client =>
        {
            var run = await client.StartSuiteRunAsync(parse.GetValue(name)!, cancellationToken);
            if (!parse.GetValue(wait))
            {
                await output.WriteLineAsync(parse.GetValue(Pf.Json) ? Pf.ToJson(run) : $"started run {run.Id} of suite {run.Suite}");
                return ExitCodes.Pass;
            }
            var deadline = TimeProvider.System.GetUtcNow().AddMinutes(parse.GetValue(TimeoutMinutes));
            while (run.Status is not ("completed" or "failed"))
            {
                if (TimeProvider.System.GetUtcNow() > deadline) throw new CliException($"run {run.Id} is still {run.Status} after {parse.GetValue(TimeoutMinutes)} minutes");
                await Task.Delay(TimeSpan.FromSeconds(parse.GetValue(PollSeconds)), cancellationToken);
                run = await client.GetSuiteRunAsync(run.Id, cancellationToken);
            }
            if (parse.GetValue(Pf.Json)) await output.WriteLineAsync(Pf.ToJson(run));
            else await VerdictTable.WriteRunAsync(output, run);
            if (run.Status == "failed")
            {
                await error.WriteLineAsync($"error: run {run.Id} failed: {run.Error}");
                return ExitCodes.Error;
            }
            return VerdictTable.ExitCode(run.Verdict);
        }));
        return command;
    }

    public static Command Gate(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        var baseline = new Option<string>("--baseline") { Description = "An experiment id, or PROMPT@VERSION (id, vN or tag) to run on --dataset", Required = true };
        var candidates = new Option<string[]>("--candidate") { Description = "The same kinds of reference; repeat for several", Required = true, AllowMultipleArgumentsPerToken = false };
        var margin = new Option<double?>("--margin") { Description = "Non-inferiority margin on each evaluator's mean (default 0.02)" };
        var dataset = new Option<string?>("--dataset") { Description = "DATASET or DATASET@VERSION, for prompt references" };
        var split = new Option<string?>("--split") { Description = "Dataset split, for prompt references" };
        var evaluators = new Option<string?>("--evaluators") { Description = "Evaluator specs for prompt references: a JSON file, or the JSON array itself" };
        var connection = new Option<string?>("--connection") { Description = "Model connection for prompt references (default: the service's default)" };
        var concurrency = new Option<int?>("--max-concurrency") { Description = "Concurrent model calls per experiment, for prompt references" };
        var command = new Command("gate", "Verdicts of candidates against a baseline; exit 0 pass, 1 error, 2 inconclusive, 3 regressed.")
        {
            baseline, candidates, margin, dataset, split, evaluators, connection, concurrency, PollSeconds, TimeoutMinutes,
        };
        command.SetAction((parse, cancellationToken) => Pf.WithClientAsync(parse, error, environment, async client =>
        {
            var references = new[] { parse.GetValue(baseline)! }.Concat(parse.GetValue(candidates)!).ToList();
            var experiment = new ExperimentSettings(parse.GetValue(dataset), parse.GetValue(split), parse.GetValue(evaluators), parse.GetValue(connection), parse.GetValue(concurrency));
            var ids = await Task.WhenAll(references.Select(r => ExperimentForAsync(client, r, experiment, cancellationToken)));
            var deadline = TimeProvider.System.GetUtcNow().AddMinutes(parse.GetValue(TimeoutMinutes));
            foreach (var id in ids.Distinct())
            {
                var status = await client.GetExperimentAsync(id, cancellationToken);
                while (status.Status is "queued" or "running")
                {
                    if (TimeProvider.System.GetUtcNow() > deadline) throw new CliException($"experiment {id} is still {status.Status} after {parse.GetValue(TimeoutMinutes)} minutes");
                    await Task.Delay(TimeSpan.FromSeconds(parse.GetValue(PollSeconds)), cancellationToken);
                    status = await client.GetExperimentAsync(id, cancellationToken);
                }
                if (status.Status != "completed") throw new CliException($"experiment {id} is {status.Status}{(status.Error is null ? "" : $": {status.Error}")}");
            }
            var verdicts = await client.GetSuiteVerdictsAsync(ids[0], ids.Skip(1).ToList(), parse.GetValue(margin), cancellationToken);
            if (parse.GetValue(Pf.Json)) await output.WriteLineAsync(Pf.ToJson(verdicts));
            else await VerdictTable.WriteAsync(output, verdicts.Candidates, verdicts.Verdict, verdicts.Margin);
            return VerdictTable.ExitCode(verdicts.Verdict);
        }));
        return command;
    }

    private sealed record ExperimentSettings(string? Dataset, string? Split, string? Evaluators, string? Connection, int? MaxConcurrency);

    /// <summary>An experiment id as it is; a prompt reference becomes a new experiment on the given dataset.</summary>
    private static async Task<string> ExperimentForAsync(PromptFunctionsClient client, string reference, ExperimentSettings settings, CancellationToken cancellationToken)
    {
        if (reference.Length == 32 && reference.All(char.IsAsciiHexDigitLower)) return reference;
        var at = reference.IndexOf('@');
        if (at <= 0 || at == reference.Length - 1)
            throw new CliException($"'{reference}' is neither an experiment id (32 hex characters) nor PROMPT@VERSION (a version id, vN or a tag)");
        var prompt = reference[..at];
        var version = reference[(at + 1)..];
        var isVersion = version.Length == 64 && version.All(char.IsAsciiHexDigitLower) || version.Length > 1 && version[0] == 'v' && version[1..].All(char.IsAsciiDigit);
        if (settings.Dataset is null) throw new CliException($"'{reference}' is a prompt reference: give --dataset to run it on");
        if (settings.Evaluators is null) throw new CliException($"'{reference}' is a prompt reference: give --evaluators to score it with");
        var datasetAt = settings.Dataset.IndexOf('@');
        var dataset = datasetAt < 0
            ? new ExperimentDatasetReference(settings.Dataset, null, settings.Split)
            : new ExperimentDatasetReference(settings.Dataset[..datasetAt], settings.Dataset[(datasetAt + 1)..], settings.Split);
        var request = new StartExperimentRequest(
            new ExperimentPromptReference(prompt, isVersion ? null : version, isVersion ? version : null),
            dataset, ReadEvaluators(settings.Evaluators),
            settings.Connection is null ? null : new SuiteModelReference(settings.Connection),
            null, settings.MaxConcurrency, $"pf gate {reference}");
        return (await client.StartExperimentAsync(request, cancellationToken)).Id;
    }

    private static JsonArray ReadEvaluators(string value)
    {
        var text = value.TrimStart().StartsWith('[') ? value : File.Exists(value) ? File.ReadAllText(value) : throw new CliException($"--evaluators: '{value}' is neither a JSON array nor a file");
        try
        {
            return JsonNode.Parse(text) as JsonArray ?? throw new CliException("--evaluators must be a JSON array of evaluator specs");
        }
        catch (JsonException e)
        {
            throw new CliException($"--evaluators is not valid JSON: {e.Message}");
        }
    }
}

/// <summary>The verdict table both commands print, and the exit code of a verdict.</summary>
internal static class VerdictTable
{
    public static int ExitCode(string? verdict) => verdict switch
    {
        SuiteVerdictNames.Improved or SuiteVerdictNames.NonInferior => ExitCodes.Pass,
        SuiteVerdictNames.Inconclusive => ExitCodes.Inconclusive,
        SuiteVerdictNames.Regressed => ExitCodes.Regressed,
        _ => ExitCodes.Error,
    };

    public static async Task WriteRunAsync(TextWriter output, SuiteRunResponse run)
    {
        await output.WriteLineAsync($"suite {run.Suite} run {run.Id}: {run.Status}");
        await output.WriteLineAsync($"prompt {run.Prompt.Name}@{run.Prompt.Tag} = v{run.Prompt.Sequence} ({run.Prompt.Version}); dataset {run.Dataset.Name} {run.Dataset.Version} ({run.Dataset.Examples} examples)");
        if (run.Baseline is { } b) await output.WriteLineAsync($"baseline {b.Connection}/{b.Model} (experiment {b.ExperimentId})");
        if (run.Verdicts is { } verdicts) await WriteAsync(output, verdicts, run.Verdict, run.Margin);
        if (run.Drift is { } drift) await output.WriteLineAsync($"drift: {(drift.Detected ? "DETECTED" : "none")}: {drift.Reason}");
    }

    public static async Task WriteAsync(TextWriter output, IReadOnlyList<CandidateVerdictResponse> candidates, string? verdict, double margin)
    {
        var rows = new List<string[]> { new[] { "candidate", "model", "evaluator", "verdict", "diff", "95% CI", "adj. p", "MDE" } };
        foreach (var c in candidates)
        {
            foreach (var e in c.Evaluators)
            {
                rows.Add([
                    c.Candidate.ToString(CultureInfo.InvariantCulture),
                    c.Model is { } m ? $"{m.Connection}/{m.Model}" : c.ExperimentId,
                    e.Evaluator,
                    e.Verdict,
                    F(e.Difference),
                    e.IntervalLower is { } lo && e.IntervalUpper is { } hi ? $"[{F(lo)}, {F(hi)}]" : "-",
                    e.AdjustedPValue.ToString("0.0000", CultureInfo.InvariantCulture),
                    F(e.MinimumDetectableEffect),
                ]);
            }
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows) await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        await output.WriteLineAsync($"verdict: {verdict ?? "none"} (margin {margin.ToString("0.###", CultureInfo.InvariantCulture)})");
    }

    private static string F(double? value) => value is { } v ? v.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) : "-";
}
