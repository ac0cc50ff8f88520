using System.Globalization;
using System.Text.Json.Nodes;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Contracts.Suites;
using PromptFunctions.Evaluation.Statistics;

namespace PromptFunctions.Core.Suites;

/// <summary>The statistics library's verdicts and the stored records as the API's contracts.</summary>
public static class SuiteReports
{
    public static string Name(SuiteVerdict verdict) => verdict switch
    {
        SuiteVerdict.Improved => SuiteVerdictNames.Improved,
        SuiteVerdict.NonInferior => SuiteVerdictNames.NonInferior,
        SuiteVerdict.Inconclusive => SuiteVerdictNames.Inconclusive,
        _ => SuiteVerdictNames.Regressed,
    };

    public static string Name(ComparisonVerdict verdict) => verdict switch
    {
        ComparisonVerdict.Improved => "improved",
        ComparisonVerdict.Regressed => "regressed",
        _ => "no_significant_change",
    };

    private static string Name(VerdictBasis basis) => basis switch
    {
        VerdictBasis.PassRate => "pass_rate",
        VerdictBasis.MeanScore => "mean_score",
        _ => "insufficient_data",
    };

    /// <summary>Each candidate's verdicts, with the model and experiment it ran as (<paramref name="models"/>, in candidate order).</summary>
    public static List<CandidateVerdictResponse> Candidates(SuiteVerdicts verdicts, IReadOnlyList<SuiteRunModel> models) =>
        verdicts.Candidates.Select(c => new CandidateVerdictResponse(c.Candidate, models[c.Candidate], models[c.Candidate].ExperimentId, Name(c.Verdict),
            c.Evaluators.Select(e => new EvaluatorVerdictResponse(e.Evaluator, e.Type, Name(e.Verdict), Name(e.Basis), e.Pairs, e.Examples,
                Round(e.BaselineMean), Round(e.CandidateMean), Round(e.Difference), Round(e.Interval?.Lower), Round(e.Interval?.Upper),
                Round(e.PValue)!.Value, Round(e.AdjustedPValue)!.Value, Round(e.MinimumDetectableEffect), e.Reason)).ToList())).ToList();

    private static double? Round(double? value) => value is { } v && double.IsFinite(v) ? Math.Round(v, 6) : null;

    public static SuiteResponse Suite(SuiteRecord suite, DateTimeOffset now)
    {
        var d = suite.Definition;
        DateTimeOffset? next = d.Schedule is { } s && d.Enabled != false ? SuiteCron.Next(s.Cron, s.TimeZone ?? SuiteCron.Utc, now) : null;
        return new SuiteResponse(suite.Name, d.Prompt, d.Dataset, d.Evaluators, d.Baseline, d.Candidates, d.Repetitions ?? 1, d.MaxConcurrency ?? 20,
            d.Margin ?? SuiteDefinitions.DefaultMargin, d.Schedule, d.Enabled ?? true, suite.ETag, suite.CreatedAt, suite.CreatedBy, suite.UpdatedAt, suite.UpdatedBy, next,
            d.OptimizeOnRegression?.DeepClone().AsObject());
    }

    public static SuiteRunResponse Run(SuiteRunRecord run)
    {
        var d = run.Definition;
        return new SuiteRunResponse(run.Id, run.Suite, run.Status, run.Trigger, run.ScheduledFor, run.CreatedAt, run.CreatedBy, run.CompletedAt,
            new SuiteRunPrompt(d.Prompt.Name, d.Prompt.Tag ?? SuiteDefinitions.DefaultPromptTag, run.PromptVersionId, run.PromptSequence),
            new SuiteRunDataset(d.Dataset.Name, run.DatasetVersionId, d.Dataset.Split, run.Examples),
            d.Margin ?? SuiteDefinitions.DefaultMargin, run.Baseline, run.Candidates, run.Verdict, run.Report?.Verdicts, run.Report?.Drift, run.Error, run.Optimization);
    }

    /// <summary>What <c>suite.run.completed</c> and <c>regression.detected</c> carry about the run.</summary>
    public static JsonObject EventData(SuiteRunRecord run) => new()
    {
        ["suite"] = run.Suite,
        ["run_id"] = run.Id,
        ["status"] = run.Status,
        ["verdict"] = run.Verdict,
        ["trigger"] = run.Trigger,
        ["scheduled_for"] = run.ScheduledFor?.ToString("O", CultureInfo.InvariantCulture),
        ["prompt"] = new JsonObject { ["name"] = run.Definition.Prompt.Name, ["tag"] = run.Definition.Prompt.Tag, ["version"] = run.PromptVersionId },
        ["dataset"] = new JsonObject { ["name"] = run.Definition.Dataset.Name, ["version"] = run.DatasetVersionId },
        ["drift_detected"] = run.Report?.Drift?.Detected,
        ["error"] = run.Error,
        ["url"] = "/" + ApiRoutes.Expand(SuiteRoutes.Run, run.Id),
    };
}
