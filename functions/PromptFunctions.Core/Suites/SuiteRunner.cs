using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptFunctions.Contracts.Suites;
using PromptFunctions.Core.Events;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Evaluation.Statistics;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Suites;

/// <summary>What preparing a run produced: the experiments to run, or why the run cannot go on.</summary>
public sealed record SuitePreparation(IReadOnlyList<ExperimentPlan> Experiments, string? Error);

/// <summary>
/// The work of a suite run's activities: resolve the tag and dataset once and create the baseline and candidate
/// experiments (run by the experiment engine's own orchestrator), then decide the verdicts, check drift against the
/// previous run, store the report and announce it. Every step is idempotent, so a retried activity or a replayed
/// orchestration changes nothing twice.
/// </summary>
public sealed partial class SuiteRunner(
    SuiteStore store,
    ExperimentStore experiments,
    ExperimentEngine engine,
    ExperimentRequestReader reader,
    IExperimentExamples examples,
    PromptCatalog catalog,
    IEventPublisher events,
    SuiteOptimizationSignal optimizationSignal,
    IOptions<SuitesOptions> options,
    TimeProvider clock,
    ILogger<SuiteRunner> logger)
{
    /// <summary>Experiment <paramref name="index"/> of a run (0 is the baseline): derived, so a retried preparation finds what it created.</summary>
    public static string ExperimentId(string runId, int index) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"suite-run|{runId}|{index}")))[..32];

    public async Task<SuitePreparation> PrepareAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await store.GetRunAsync(runId, cancellationToken) ?? throw new InvalidOperationException($"suite run {runId} does not exist");
        if (SuiteRunStatus.IsFinal(run.Status)) return new SuitePreparation([], $"the run is already {run.Status}");
        var definition = run.Definition;
        var promptName = definition.Prompt.Name;
        var tag = definition.Prompt.Tag ?? SuiteDefinitions.DefaultPromptTag;

        // The tag is resolved once; a retried preparation uses the version the run already recorded.
        var version = run.PromptVersionId is { } recorded
            ? await catalog.ResolveVersionAsync(promptName, recorded, cancellationToken)
            : await catalog.ResolveTagAsync(promptName, tag, cancellationToken);
        if (version is null) return new SuitePreparation([], $"prompt '{promptName}' has no tag '{tag}'");
        var content = (await catalog.GetDocumentAsync(version, cancellationToken))?.Content
            ?? throw new InvalidOperationException($"content of {promptName} {version.Id} is missing");

        var datasetReference = run.DatasetVersionId ?? definition.Dataset.Version;
        var dataset = await examples.ResolveAsync(definition.Dataset.Name, datasetReference, definition.Dataset.Split, cancellationToken);
        if (dataset is null) return new SuitePreparation([], $"dataset '{definition.Dataset.Name}'{(datasetReference is null ? "" : $" version '{datasetReference}'")} does not exist");
        if (dataset.Count == 0) return new SuitePreparation([], $"dataset version {dataset.VersionId} has no examples");

        var cursor = new ValidatingJsonReader();
        var models = new List<ModelChoice?> { reader.ReadModel(ToNode(definition.Baseline), "$.baseline", content, cursor) };
        for (var i = 0; i < definition.Candidates.Count; i++)
            models.Add(reader.ReadModel(ToNode(definition.Candidates[i]), $"$.candidates[{i}]", content, cursor));
        if (cursor.Faults.Count > 0) return new SuitePreparation([], string.Join("; ", cursor.Faults.Select(f => $"{f.Path}: {f.Message}")));

        var repetitions = definition.Repetitions ?? 1;
        // The suite's concurrency is the run's: the baseline and the candidates run at once and share it.
        var concurrency = Math.Max(1, (definition.MaxConcurrency ?? 20) / models.Count);
        var now = clock.GetUtcNow();
        var plans = new List<ExperimentPlan>(models.Count);
        var ran = new List<SuiteRunModel>(models.Count);
        for (var i = 0; i < models.Count; i++)
        {
            var model = models[i]!;
            var id = ExperimentId(runId, i);
            var role = i == 0 ? "baseline" : $"candidate {i - 1}";
            var record = await experiments.GetAsync(id, cancellationToken);
            if (record is null)
            {
                record = new ExperimentRecord(id, $"suite {run.Suite} {role}", $"Suite run {runId}: {role}.",
                    new JsonObject { ["suite"] = run.Suite, ["suite_run"] = runId, ["role"] = i == 0 ? "baseline" : "candidate", ["candidate"] = i == 0 ? null : i - 1 }.ToJsonString(),
                    promptName, version.Id, version.Sequence, null, null, dataset.Name, dataset.VersionId, dataset.Split, dataset.Count, repetitions,
                    model.Connection, model.Model, model.InvocationParameters.ToJsonString(), definition.Evaluators.ToJsonString(),
                    // Fresh calls: a recorded answer would hide exactly the provider changes drift is meant to catch.
                    "fresh", concurrency, ExperimentStatus.Queued, now, run.CreatedBy, null, null, null, null, null);
                try
                {
                    await experiments.CreateAsync(record, cancellationToken);
                }
                catch (Azure.RequestFailedException e) when (e.Status == 409)
                {
                    // A previous attempt of this activity created it.
                }
            }
            plans.Add(ExperimentPlan.For(id, record.Units, record.MaxConcurrency));
            ran.Add(new SuiteRunModel(model.Connection, model.Model, model.InvocationParameters, id));
            engine.Prewarm(id);
        }

        var transition = await store.TransitionRunAsync(runId, [SuiteRunStatus.Queued, SuiteRunStatus.Running], r => r with
        {
            Status = SuiteRunStatus.Running,
            PromptVersionId = version.Id,
            PromptSequence = version.Sequence,
            DatasetVersionId = dataset.VersionId,
            Examples = dataset.Count,
            Baseline = ran[0],
            Candidates = ran.Skip(1).ToList(),
        }, cancellationToken);
        return transition switch
        {
            SuiteRunTransition.Changed => new SuitePreparation(plans, null),
            SuiteRunTransition.WrongStatus wrong => new SuitePreparation([], $"the run is already {wrong.Status}"),
            SuiteRunTransition.NotFound => throw new InvalidOperationException($"suite run {runId} does not exist"),
            _ => throw new InvalidOperationException($"suite run {runId} is busy; retrying"),
        };
    }

    /// <summary>Decides the verdicts and drift of a run whose experiments finished, stores them, and announces the result.</summary>
    public async Task<string> CompleteAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await store.GetRunAsync(runId, cancellationToken) ?? throw new InvalidOperationException($"suite run {runId} does not exist");
        if (run.Status == SuiteRunStatus.Running)
        {
            var ids = new[] { run.Baseline! }.Concat(run.Candidates).Select(m => m.ExperimentId).ToList();
            var records = await Task.WhenAll(ids.Select(id => experiments.GetAsync(id, cancellationToken)));
            if (records.Any(r => r is null || r.Status != ExperimentStatus.Completed))
            {
                var unfinished = records.FirstOrDefault(r => r is not null && r.Status != ExperimentStatus.Completed);
                var why = unfinished is null ? "an experiment of the run is missing" : $"experiment {unfinished.Id} is {unfinished.Status}{(unfinished.Error is null ? "" : $": {unfinished.Error}")}";
                return await FailAsync(runId, why, cancellationToken);
            }
            var rows = await Task.WhenAll(ids.Select(id => ReadRowsAsync(id, cancellationToken)));
            var verdicts = SuiteVerdicts.Decide(rows[0].Select(ExperimentAggregation.ToStatisticsRow).ToList(),
                rows.Skip(1).Select(r => (IReadOnlyList<ExperimentRow>)r.Select(ExperimentAggregation.ToStatisticsRow).ToList()).ToList(),
                new SuiteVerdictOptions { Margin = run.Definition.Margin ?? SuiteDefinitions.DefaultMargin, Seed = 0, Resamples = options.Value.Resamples });
            var drift = await DriftAsync(run, rows[0], cancellationToken);
            var report = new SuiteRunReport(SuiteReports.Candidates(verdicts, run.Candidates), drift);
            var verdict = SuiteReports.Name(verdicts.Verdict);
            // The optimization start is owed durably before the run turns completed (see SuiteOptimizationLauncher):
            // a crash between the two leaves a pending row the starter skips until the retried completion lands.
            var optimize = verdict == SuiteVerdictNames.Regressed && run.Definition.OptimizeOnRegression is not null;
            if (optimize) await store.AddPendingOptimizationAsync(runId, cancellationToken);
            var transition = await store.TransitionRunAsync(runId, [SuiteRunStatus.Running], r => r with
            {
                Status = SuiteRunStatus.Completed, CompletedAt = clock.GetUtcNow(), Verdict = verdict, Report = report,
                Optimization = optimize ? new SuiteRunOptimization(SuiteRunOptimizationStatus.Pending) : null,
            }, cancellationToken);
            if (transition is SuiteRunTransition.Busy) throw new InvalidOperationException($"suite run {runId} is busy; retrying");
            if (optimize) optimizationSignal.Raise();
            run = await store.GetRunAsync(runId, cancellationToken) ?? run;
        }
        // Announced after the result is stored, and again by a retry that finds it stored: the keys make it once.
        if (run.Status == SuiteRunStatus.Completed) await AnnounceAsync(run, cancellationToken);
        return run.Status;
    }

    public async Task<string> FailAsync(string runId, string reason, CancellationToken cancellationToken)
    {
        var transition = await store.TransitionRunAsync(runId, [SuiteRunStatus.Queued, SuiteRunStatus.Running],
            r => r with { Status = SuiteRunStatus.Failed, Error = reason, CompletedAt = clock.GetUtcNow() }, cancellationToken);
        if (transition is SuiteRunTransition.Busy) throw new InvalidOperationException($"suite run {runId} is busy; retrying");
        LogRunFailed(logger, runId, reason);
        var run = await store.GetRunAsync(runId, cancellationToken);
        if (run is { Status: SuiteRunStatus.Failed }) await AnnounceAsync(run, cancellationToken);
        return run?.Status ?? SuiteRunStatus.Failed;
    }

    private async Task<List<ExperimentRowResult>> ReadRowsAsync(string experimentId, CancellationToken cancellationToken)
    {
        var rows = new List<ExperimentRowResult>();
        await foreach (var row in experiments.ReadRowsAsync(experimentId, cancellationToken)) rows.Add(row);
        return rows;
    }

    /// <summary>
    /// Today's baseline against the previous completed run that ran the same prompt version on the same dataset
    /// version with the same connection, model name, parameters and repetitions: what differs can only be the
    /// provider's answers.
    /// </summary>
    private async Task<SuiteDriftResponse> DriftAsync(SuiteRunRecord run, List<ExperimentRowResult> current, CancellationToken cancellationToken)
    {
        var baseline = run.Baseline!;
        var previous = await store.FindPreviousRunAsync(run.Suite, run.CreatedAt, run.Id, p =>
            p.PromptVersionId == run.PromptVersionId && p.DatasetVersionId == run.DatasetVersionId
            && p.Definition.Dataset.Split == run.Definition.Dataset.Split && p.Definition.Repetitions == run.Definition.Repetitions
            && p.Baseline is { } b && b.Connection == baseline.Connection && b.Model == baseline.Model
            && JsonNode.DeepEquals(b.InvocationParameters, baseline.InvocationParameters), cancellationToken);
        if (previous is null)
            return new SuiteDriftResponse(false, false, "no earlier completed run of this suite ran the same prompt version, dataset version and baseline model");

        var before = await ReadRowsAsync(previous.Baseline!.ExperimentId, cancellationToken);
        var earlier = before.ToDictionary(r => (r.ExampleId, r.Repetition));
        int compared = 0, changed = 0;
        foreach (var row in current)
        {
            if (!earlier.TryGetValue((row.ExampleId, row.Repetition), out var old)) continue;
            compared++;
            if (!string.Equals(old.Output, row.Output, StringComparison.Ordinal) || (old.Error is null) != (row.Error is null)) changed++;
        }
        var comparison = ExperimentComparison.Compare(before.Select(ExperimentAggregation.ToStatisticsRow).ToList(), current.Select(ExperimentAggregation.ToStatisticsRow).ToList(),
            new ComparisonOptions { Seed = 0, Resamples = options.Value.Resamples });
        var evaluators = comparison.Evaluators.Select(e => new DriftEvaluatorResponse(e.Name, e.BaselineMean, e.CandidateMean, e.MeanDifference,
            e.MeanDifferenceInterval?.Lower, e.MeanDifferenceInterval?.Upper, SuiteReports.Name(e.Verdict))).ToList();
        var fraction = compared == 0 ? 0 : (double)changed / compared;
        var threshold = options.Value.DriftOutputChangeThreshold;
        var moved = comparison.Evaluators.Where(e => e.Verdict != ComparisonVerdict.NoSignificantChange).Select(e => e.Name).ToList();
        var detected = compared > 0 && (fraction > threshold || moved.Count > 0);
        var reason = compared == 0
            ? "the previous run has no rows in common with this one"
            : $"{changed} of {compared} baseline outputs differ from run {previous.Id} ({fraction:P1}; drift above {threshold:P0})" +
              (moved.Count > 0 ? $"; significant change in {string.Join(", ", moved)}" : "; no evaluator changed significantly");
        return new SuiteDriftResponse(true, detected, reason, previous.Id, previous.Baseline.ExperimentId, compared, changed, fraction, evaluators);
    }

    private async Task AnnounceAsync(SuiteRunRecord run, CancellationToken cancellationToken)
    {
        var summary = SuiteReports.EventData(run);
        await events.PublishAsync(EventTypes.SuiteRunCompleted, $"suite-run/{run.Id}/completed", summary, cancellationToken);
        var regressions = new JsonArray();
        foreach (var candidate in run.Report?.Verdicts ?? [])
        {
            foreach (var e in candidate.Evaluators.Where(e => e.Verdict == SuiteVerdictNames.Regressed))
            {
                regressions.Add(new JsonObject
                {
                    ["candidate"] = candidate.Candidate,
                    ["connection"] = candidate.Model?.Connection,
                    ["model"] = candidate.Model?.Model,
                    ["experiment_id"] = candidate.ExperimentId,
                    ["evaluator"] = e.Evaluator,
                    ["difference"] = e.Difference,
                    ["interval_lower"] = e.IntervalLower,
                    ["interval_upper"] = e.IntervalUpper,
                    ["adjusted_p_value"] = e.AdjustedPValue,
                });
            }
        }
        if (regressions.Count > 0)
        {
            var data = SuiteReports.EventData(run);
            data["regressions"] = regressions;
            await events.PublishAsync(EventTypes.RegressionDetected, $"suite-run/{run.Id}/regression", data, cancellationToken);
        }
    }

    private static JsonObject? ToNode(SuiteModelReference? model)
    {
        if (model is null) return null;
        var obj = new JsonObject();
        if (model.Connection is not null) obj["connection"] = model.Connection;
        if (model.Model is not null) obj["model"] = model.Model;
        if (model.InvocationParameters is not null) obj["invocation_parameters"] = model.InvocationParameters.DeepClone();
        return obj;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Suite run {Run} failed: {Reason}")]
    private static partial void LogRunFailed(ILogger logger, string run, string reason);
}
