using System.Text.Json.Nodes;

namespace PromptFunctions.Core.Experiments;

/// <summary>Summaries of an experiment's rows: per evaluator, and for latency, tokens, cost and errors.</summary>
public static class ExperimentAggregation
{
    public static JsonObject Aggregate(IReadOnlyCollection<ExperimentRowResult> rows)
    {
        var evaluators = new JsonObject();
        foreach (var group in rows.SelectMany(r => Scores(r)).GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var scored = group.Where(s => s.Score is not null).Select(s => s.Score!.Value).ToList();
            var judged = group.Where(s => s.Passed is not null).ToList();
            var mean = scored.Count > 0 ? scored.Average() : (double?)null;
            double? standardError = null;
            if (scored.Count > 1)
            {
                var variance = scored.Sum(x => (x - mean!.Value) * (x - mean!.Value)) / (scored.Count - 1);
                standardError = Math.Sqrt(variance / scored.Count);
            }
            evaluators[group.Key] = new JsonObject
            {
                ["type"] = group.First().Type,
                ["count"] = scored.Count,
                ["mean"] = mean,
                ["standard_error"] = standardError,
                ["pass_rate"] = judged.Count > 0 ? judged.Count(s => s.Passed == true) / (double)judged.Count : null,
                ["errors"] = group.Count(s => s.Error is not null),
            };
        }
        var latencies = rows.Where(r => r.Error is null).Select(r => r.LatencyMs).Order().ToList();
        return new JsonObject
        {
            ["rows"] = rows.Count,
            ["errors"] = rows.Count(r => r.Error is not null),
            ["evaluators"] = evaluators,
            ["latency_ms"] = new JsonObject { ["p50"] = Percentile(latencies, 0.50), ["p95"] = Percentile(latencies, 0.95) },
            ["tokens"] = new JsonObject { ["input"] = rows.Sum(r => r.InputTokens), ["output"] = rows.Sum(r => r.OutputTokens) },
            ["cost"] = rows.Sum(r => r.Cost),
        };
    }

    public static IEnumerable<EvaluatorScore> Scores(ExperimentRowResult row) =>
        (JsonNode.Parse(row.ScoresJson) as JsonArray ?? []).OfType<JsonObject>().Select(s => new EvaluatorScore(
            (string?)s["name"] ?? "", (string?)s["type"] ?? "", (double?)s["score"], (bool?)s["passed"], (string?)s["explanation"], (string?)s["error"]));

    /// <summary>Nearest-rank percentile; null without samples.</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[(int)Math.Clamp(Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
