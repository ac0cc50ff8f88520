using PromptFunctions.Evaluation.Statistics;
using static PromptFunctions.Evaluation.Tests.Statistics.Rows;

namespace PromptFunctions.Evaluation.Tests.Statistics;

public sealed class SummaryTests
{
    [Fact]
    public void Aggregates_match_hand_computed_values()
    {
        // Expected values computed with Python's statistics module (stdev with n - 1) and type-7 percentiles.
        List<ExperimentRow> rows =
        [
            Row("a", PassFail("acc", true), Score("sim", 0.9)) with { LatencyMs = 120, InputTokens = 10, OutputTokens = 5, Cost = 0.001m },
            Row("b", PassFail("acc", false), Score("sim", 0.4)) with { LatencyMs = 80, InputTokens = 12, OutputTokens = 7, Cost = 0.002m },
            Row("c", PassFail("acc", true), Score("sim", 0.75)) with { LatencyMs = 300, InputTokens = 11, OutputTokens = 6, Cost = 0.0015m },
            Row("d", PassFail("acc", true), Score("sim", 1.0), EvaluatorOutcome.Failure("judge", "llm_judge", "judge down")) with { LatencyMs = 95 },
            Row("e") with { LatencyMs = 1000, Error = "model call timed out" },
        ];

        var summary = ExperimentSummary.Of(rows);

        Assert.Equal(5, summary.Rows);
        Assert.Equal(1, summary.RowErrors);
        Assert.Equal(120, summary.LatencyP50Ms);
        Assert.Equal(860, summary.LatencyP95Ms!.Value, 9);
        Assert.Equal(33, summary.InputTokens);
        Assert.Equal(18, summary.OutputTokens);
        Assert.Equal(0.0045m, summary.Cost);

        var acc = summary.Evaluators[0];
        Assert.Equal(new EvaluatorAggregate("acc", "exact_match", 4, 0, 1, 0.75, 0.25, 4, 3, 0.75, 0.21650635094610965), acc with { StandardError = 0.25, PassRateStandardError = 0.21650635094610965 });
        Assert.Equal(0.25, acc.StandardError!.Value, 12);
        Assert.Equal(0.21650635094610965, acc.PassRateStandardError!.Value, 12);

        var sim = summary.Evaluators[1];
        Assert.Equal(("sim", 4, 0.7625, 0, (double?)null), (sim.Name, sim.Scored, sim.Mean!.Value, sim.PassFail, sim.PassRate));
        Assert.Equal(0.13129959380490608, sim.StandardError!.Value, 12);

        var judge = summary.Evaluators[2];
        Assert.Equal((0, 1, 4, (double?)null, (double?)null), (judge.Scored, judge.Errors, judge.Missing, judge.Mean, judge.StandardError));
    }

    [Fact]
    public void Empty_and_single_row_experiments_have_no_spread()
    {
        var empty = ExperimentSummary.Of([]);
        Assert.Equal((0, (double?)null, (double?)null, 0m), (empty.Rows, empty.LatencyP50Ms, empty.LatencyP95Ms, empty.Cost));
        Assert.Empty(empty.Evaluators);

        var single = ExperimentSummary.Of([Row("a", PassFail("acc", true)) with { LatencyMs = 42 }]);
        Assert.Equal((42.0, 42.0), (single.LatencyP50Ms!.Value, single.LatencyP95Ms!.Value));
        Assert.Equal((1.0, (double?)null, 1.0, (double?)null),
            (single.Evaluators[0].Mean!.Value, single.Evaluators[0].StandardError, single.Evaluators[0].PassRate!.Value, single.Evaluators[0].PassRateStandardError));
    }
}
