using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using PromptFunctions.Contracts.Optimization;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Models;
using PromptFunctions.Evaluation.Statistics;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Optimization;

/// <summary>
/// Runs one version over one set of a run's examples with the experiment engine's row code (render, call, score),
/// keeping each row as soon as it is done; scores the set; and, given a baseline, compares the two with the paired
/// comparison <c>/api/experiments/compare</c> uses.
/// </summary>
/// <remarks>
/// A row already stored for the same version and example is never run again, and a step reports the spend of the
/// rows its own step key produced, whether this execution or an earlier, interrupted one wrote them. So a step that
/// is repeated (a retried activity, a run resumed from its checkpoint) neither calls the model again for what it
/// had finished nor counts it twice.
/// </remarks>
public sealed class OptimizationEvaluator(
    OptimizationStore store,
    OptimizationExamples examples,
    ExperimentEngine engine,
    IOptions<OptimizationOptions> options,
    IOptions<ExperimentsOptions> experiments,
    ModelConnections connections)
{
    public async Task<EvaluationResult> EvaluateAsync(EvaluationInput input, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(input.OptimizationId, cancellationToken);
        if (record is null || record.Status is not (OptimizationStatus.Queued or OptimizationStatus.Running)) return EvaluationResult.CancelledResult;
        var spec = await store.GetSpecAsync(input.OptimizationId, cancellationToken);
        var (dataset, selected) = await ExamplesAsync(spec, input.Set, input.Indexes, cancellationToken);

        var content = PromptVersionJson.Parse(JsonNode.Parse(await store.ReadContentAsync(input.OptimizationId, input.ContentId, cancellationToken)));
        var rows = await store.ReadRowsAsync(input.OptimizationId, input.ContentId, dataset, cancellationToken);
        var missing = selected.Where(e => !rows.ContainsKey(e.Index)).ToList();
        if (missing.Count > 0)
        {
            var runtime = Runtime(spec, content);
            var written = new ConcurrentBag<EvaluationRow>();
            await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrency, CancellationToken = cancellationToken },
                async (example, token) =>
                {
                    var spend = ModelSpend.Begin();
                    var result = await engine.RunRowAsync(runtime, example, 0, token);
                    token.ThrowIfCancellationRequested();
                    var row = new EvaluationRow(example.Id, example.Index, Cut(result.Output, options.Value.MaxOutputChars), result.ScoresJson, Cut(result.Error, 4000),
                        result.LatencyMs, result.InputTokens, result.OutputTokens, spend.Calls, spend.Cost, input.Step);
                    await store.WriteRowAsync(input.OptimizationId, input.ContentId, dataset, row, token);
                    written.Add(row);
                });
            foreach (var row in written) rows[row.Index] = row;
        }

        var set = selected.Select(e => rows[e.Index]).ToList();
        var mine = rows.Values.Where(r => r.Step == input.Step).OrderBy(r => r.Index).ToList();
        var score = Score(set);
        if (input.Baseline is null)
            return new EvaluationResult(score, mine.Sum(r => r.Calls), mine.Sum(r => r.Cost), false, false, null, false);

        var baselineRows = await store.ReadRowsAsync(input.OptimizationId, input.Baseline, dataset, cancellationToken);
        var baseline = selected.Where(e => baselineRows.ContainsKey(e.Index)).Select(e => baselineRows[e.Index]).ToList();
        var verdicts = Compare(baseline, set, spec.Seed);
        return new EvaluationResult(score, mine.Sum(r => r.Calls), mine.Sum(r => r.Cost),
            verdicts.Any(v => v.Verdict == "improved"), verdicts.Any(v => v.Verdict == "regressed"), verdicts, false);
    }

    /// <summary>The examples of a set: 'd' (the run's dataset) or 'g' (its guard set), and which of them.</summary>
    public async Task<(char Dataset, IReadOnlyList<ExperimentExample> Examples)> ExamplesAsync(OptimizationSpec spec, EvaluationSet set, IReadOnlyList<long>? indexes,
        CancellationToken cancellationToken)
    {
        if (set == EvaluationSet.Guard)
        {
            var guard = await examples.GuardAsync(spec.GuardName!, spec.GuardVersionId!, spec.GuardSplit, cancellationToken)
                ?? throw new InvalidOperationException($"guard dataset '{spec.GuardName}' version {spec.GuardVersionId} no longer exists");
            return ('g', guard);
        }
        var split = await examples.SplitAsync(spec.DatasetName, spec.DatasetVersionId, spec.ValidationSplit, spec.ValidationFraction, spec.Seed, cancellationToken)
            ?? throw new InvalidOperationException($"dataset '{spec.DatasetName}' version {spec.DatasetVersionId} no longer exists");
        return set switch
        {
            EvaluationSet.Train => ('d', split.Train),
            EvaluationSet.Validation => ('d', split.Validation),
            _ => ('d', split.Train.Where(e => indexes!.Contains(e.Index)).ToList()),
        };
    }

    private ExperimentRuntime Runtime(OptimizationSpec spec, PromptVersionContent content)
    {
        var prices = experiments.Value.Prices;
        return engine.AdHocRuntime(content, new ModelChoice(spec.Connection, spec.Model, spec.InvocationParameters), spec.Evaluators, ResponseCacheMode.Fresh, null,
            (connection, client) => new ModelCallMeter(client, connections.Settings(connection).Model, prices));
    }

    /// <summary>An example passes when it ran and every evaluator passed it (a score of 1 for evaluators without pass/fail).</summary>
    public static bool Passed(EvaluationRow row)
    {
        if (row.Error is not null) return false;
        var scores = Scores(row).ToList();
        return scores.Count > 0 && scores.All(s => s.Error is null && (s.Passed ?? s.Score >= 1));
    }

    /// <summary>The row's mean evaluator score, a pass counting 1; a failed run or an evaluator error counts 0.</summary>
    public static double Objective(EvaluationRow row)
    {
        if (row.Error is not null) return 0;
        var scores = Scores(row).ToList();
        return scores.Count == 0 ? 0 : scores.Average(s => s.Error is not null ? 0 : s.Passed is { } passed ? (passed ? 1 : 0) : s.Score ?? 0);
    }

    public static OptimizationScore Score(IReadOnlyCollection<EvaluationRow> rows) =>
        new(rows.Count, rows.Count(Passed), rows.Count == 0 ? 0 : Math.Round(rows.Average(Objective), 6));

    public static IEnumerable<EvaluatorScore> Scores(EvaluationRow row) =>
        ExperimentAggregation.Scores(ToResult(row));

    private static ExperimentRowResult ToResult(EvaluationRow row) =>
        new(row.ExampleId, row.Index, 0, row.Output, row.ScoresJson, row.LatencyMs, row.InputTokens, row.OutputTokens, row.Cost, row.Error);

    /// <summary>Candidate against baseline on the rows both have, with the experiments' paired comparison, one verdict per evaluator.</summary>
    public IReadOnlyList<ComparisonEvaluatorVerdict> Compare(IReadOnlyList<EvaluationRow> baseline, IReadOnlyList<EvaluationRow> candidate, int seed)
    {
        var comparison = ExperimentComparison.Compare(
            baseline.Select(r => ExperimentAggregation.ToStatisticsRow(ToResult(r))).ToList(),
            candidate.Select(r => ExperimentAggregation.ToStatisticsRow(ToResult(r))).ToList(),
            new ComparisonOptions { Seed = seed, Resamples = options.Value.Resamples, ConfidenceLevel = options.Value.ConfidenceLevel });
        return comparison.Evaluators.Select(e => new ComparisonEvaluatorVerdict(e.Name, VerdictName(e.Verdict), BasisName(e.Basis), Cut(e.Reason, 600)!)).ToList();
    }

    private static string VerdictName(ComparisonVerdict verdict) => verdict switch
    {
        ComparisonVerdict.Improved => "improved",
        ComparisonVerdict.Regressed => "regressed",
        _ => "no_significant_change",
    };

    private static string BasisName(VerdictBasis basis) => basis switch
    {
        VerdictBasis.PassRate => "pass_rate",
        VerdictBasis.MeanScore => "mean_score",
        _ => "insufficient_data",
    };

    public static string? Cut(string? text, int max) => text is null || text.Length <= max ? text : text[..max] + "…";
}
