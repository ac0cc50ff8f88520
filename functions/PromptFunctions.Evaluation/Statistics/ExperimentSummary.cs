namespace PromptFunctions.Evaluation.Statistics;

/// <summary>One evaluator over the rows of one experiment.</summary>
/// <param name="Scored">Rows with a score from this evaluator.</param>
/// <param name="Errors">Rows where this evaluator reported an error.</param>
/// <param name="Missing">Rows without an outcome from this evaluator (typically rows whose run failed).</param>
/// <param name="StandardError">Sample standard deviation / sqrt(n); null below two scores.</param>
/// <param name="PassFail">Scored rows that also have a pass/fail.</param>
/// <param name="PassRateStandardError">sqrt(p (1 - p) / n); null below two pass/fail rows.</param>
public sealed record EvaluatorAggregate(
    string Name,
    string Type,
    int Scored,
    int Errors,
    int Missing,
    double? Mean,
    double? StandardError,
    int PassFail,
    int Passed,
    double? PassRate,
    double? PassRateStandardError);

/// <param name="LatencyP50Ms">Median over rows with a latency (type-7 interpolation); null when none has one.</param>
public sealed record ExperimentSummary(
    int Rows,
    int RowErrors,
    double? LatencyP50Ms,
    double? LatencyP95Ms,
    long InputTokens,
    long OutputTokens,
    decimal Cost,
    IReadOnlyList<EvaluatorAggregate> Evaluators)
{
    public static ExperimentSummary Of(IReadOnlyList<ExperimentRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var latencies = new List<double>(rows.Count);
        long inputTokens = 0, outputTokens = 0;
        decimal cost = 0;
        var rowErrors = 0;
        var byName = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        var order = new List<Accumulator>();
        foreach (var row in rows)
        {
            if (row.Error is not null) rowErrors++;
            if (row.LatencyMs is { } latency && double.IsFinite(latency)) latencies.Add(latency);
            inputTokens += row.InputTokens ?? 0;
            outputTokens += row.OutputTokens ?? 0;
            cost += row.Cost ?? 0;
            foreach (var outcome in row.Evaluations)
            {
                if (!byName.TryGetValue(outcome.Name, out var accumulator))
                {
                    accumulator = new Accumulator(outcome.Name, outcome.Type);
                    byName.Add(outcome.Name, accumulator);
                    order.Add(accumulator);
                }
                accumulator.Add(outcome);
            }
        }

        double? p50 = null, p95 = null;
        if (latencies.Count > 0)
        {
            var sorted = latencies.ToArray();
            Array.Sort(sorted);
            p50 = Quantiles.OfSorted(sorted, 0.5);
            p95 = Quantiles.OfSorted(sorted, 0.95);
        }
        return new ExperimentSummary(rows.Count, rowErrors, p50, p95, inputTokens, outputTokens, cost,
            [.. order.Select(a => a.ToAggregate(rows.Count))]);
    }

    private sealed class Accumulator(string name, string type)
    {
        private readonly List<double> scores = [];
        private int errors, passFail, passed;

        public void Add(EvaluatorOutcome outcome)
        {
            if (outcome.Score is not { } score)
            {
                errors++;
                return;
            }
            scores.Add(score);
            if (outcome.Passed is { } pass)
            {
                passFail++;
                if (pass) passed++;
            }
        }

        public EvaluatorAggregate ToAggregate(int rows)
        {
            var n = scores.Count;
            double? mean = null, standardError = null;
            if (n > 0)
            {
                var sum = 0.0;
                foreach (var score in scores) sum += score;
                mean = sum / n;
                if (n > 1)
                {
                    var squares = 0.0;
                    foreach (var score in scores) squares += (score - mean.Value) * (score - mean.Value);
                    standardError = Math.Sqrt(squares / (n - 1) / n);
                }
            }
            double? passRate = passFail > 0 ? (double)passed / passFail : null;
            double? passRateError = passFail > 1 ? Math.Sqrt(passRate!.Value * (1 - passRate.Value) / passFail) : null;
            return new EvaluatorAggregate(name, type, n, errors, rows - n - errors, mean, standardError, passFail, passed, passRate, passRateError);
        }
    }
}
