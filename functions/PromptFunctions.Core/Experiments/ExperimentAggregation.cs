using System.Text.Json.Nodes;
using PromptFunctions.Evaluation;
using PromptFunctions.Evaluation.Statistics;

namespace PromptFunctions.Core.Experiments;

/// <summary>
/// The API's view of the evaluation library's statistics: row results become its <see cref="ExperimentRow"/>s,
/// and its summaries become the <c>aggregates</c> object of an experiment.
/// </summary>
public static class ExperimentAggregation
{
    public static JsonObject Aggregate(IReadOnlyCollection<ExperimentRowResult> rows)
    {
        var summary = ExperimentSummary.Of(rows.Select(ToStatisticsRow).ToList());
        var evaluators = new JsonObject();
        foreach (var e in summary.Evaluators)
        {
            evaluators[e.Name] = new JsonObject
            {
                ["type"] = e.Type,
                ["scored"] = e.Scored,
                ["errors"] = e.Errors,
                ["missing"] = e.Missing,
                ["mean"] = e.Mean,
                ["standard_error"] = e.StandardError,
                ["pass_fail"] = e.PassFail,
                ["passed"] = e.Passed,
                ["pass_rate"] = e.PassRate,
                ["pass_rate_standard_error"] = e.PassRateStandardError,
            };
        }
        return new JsonObject
        {
            ["rows"] = summary.Rows,
            ["errors"] = summary.RowErrors,
            ["evaluators"] = evaluators,
            ["latency_ms"] = new JsonObject { ["p50"] = summary.LatencyP50Ms, ["p95"] = summary.LatencyP95Ms },
            ["tokens"] = new JsonObject { ["input"] = summary.InputTokens, ["output"] = summary.OutputTokens },
            ["cost"] = summary.Cost,
        };
    }

    public static ExperimentRow ToStatisticsRow(ExperimentRowResult row) =>
        new(row.ExampleId, row.Repetition, row.Error is null ? Scores(row).Select(ToOutcome).ToList() : [])
        {
            LatencyMs = row.Error is null ? row.LatencyMs : null,
            InputTokens = row.InputTokens,
            OutputTokens = row.OutputTokens,
            Cost = (decimal)row.Cost,
            Error = row.Error,
        };

    private static EvaluatorOutcome ToOutcome(EvaluatorScore s) => new(s.Name, s.Type, s.Score, s.Passed, s.Explanation ?? "", s.Error);

    public static IEnumerable<EvaluatorScore> Scores(ExperimentRowResult row) =>
        (JsonNode.Parse(row.ScoresJson) as JsonArray ?? []).OfType<JsonObject>().Select(s => new EvaluatorScore(
            (string?)s["name"] ?? "", (string?)s["type"] ?? "", (double?)s["score"], (bool?)s["passed"], (string?)s["explanation"], (string?)s["error"]));
}
