using PromptFunctions.Evaluation.Statistics;
using static PromptFunctions.Evaluation.Tests.Statistics.Rows;

namespace PromptFunctions.Evaluation.Tests.Statistics;

public sealed class ComparisonTests
{
    /// <summary>Exact two-sided binomial tails, computed with Python's fractions and math.comb.</summary>
    [Theory]
    [InlineData(2, 8, 0.109375)]
    [InlineData(0, 6, 0.03125)]
    [InlineData(1, 12, 0.00341796875)]
    [InlineData(90, 140, 0.0011861184657702836)]
    [InlineData(5, 5, 1.0)]
    [InlineData(3, 4, 1.0)]
    [InlineData(0, 1, 1.0)]
    [InlineData(0, 0, 1.0)]
    public void McNemar_exact_p_values_match_hand_computed_ones(int b, int c, double p)
    {
        // MathNet evaluates the binomial tail through the incomplete beta function: equal to about 1e-13, relatively.
        Assert.Equal(p, PairedTests.McNemarExact(b, c), p * 1e-10);
        Assert.Equal(p, PairedTests.McNemarExact(c, b), p * 1e-10);
    }

    [Fact]
    public void A_small_pass_fail_comparison_has_the_counts_rates_and_p_value_worked_out_by_hand()
    {
        // 12 examples: both pass 3, both fail 1, baseline only 1 (ex0002), candidate only 7.
        var baseline = FromBits("111100000000");
        var candidate = FromBits("110111111110");

        var result = Assert.Single(ExperimentComparison.Compare(baseline, candidate, Options()).Evaluators);

        var pf = result.PassFail!;
        Assert.Equal((12, 3, 1, 1, 7), (pf.Pairs, pf.BothPassed, pf.BothFailed, pf.BaselineOnlyPassed, pf.CandidateOnlyPassed));
        Assert.Equal(4.0 / 12, pf.BaselinePassRate, 12);
        Assert.Equal(10.0 / 12, pf.CandidatePassRate, 12);
        Assert.Equal(0.5, pf.Difference, 12);
        Assert.Equal(0.0703125, pf.McNemarPValue, 1e-12); // 2 * (1 + 8) / 256
        Assert.Equal(0.5, result.MeanDifference!.Value, 12);
        // The bootstrap interval surrounds the estimate, and a p-value above 0.05 means no verdict either way.
        Assert.InRange(result.MeanDifference.Value, result.MeanDifferenceInterval!.Value.Lower, result.MeanDifferenceInterval.Value.Upper);
        Assert.Equal(result.MeanDifferenceInterval, pf.DifferenceInterval);
        Assert.Equal((ComparisonVerdict.NoSignificantChange, VerdictBasis.PassRate), (result.Verdict, result.Basis));
        Assert.Contains("McNemar p = 0.0703", result.Reason);
        Assert.Equal([new RowChange("ex0002", 0, 1, 0, "match", "no match")], result.TopRegressions);
    }

    [Fact]
    public void The_same_seed_gives_the_same_comparison_whatever_the_row_order()
    {
        var random = new Random(3);
        var baseline = Enumerable.Range(0, 300).Select(i => Row($"ex{i}", Score("sim", random.NextDouble()))).ToList();
        var candidate = Enumerable.Range(0, 300).Select(i => Row($"ex{i}", Score("sim", random.NextDouble()))).ToList();
        var shuffled = candidate.OrderBy(_ => random.Next()).ToList();

        var first = ExperimentComparison.Compare(baseline, candidate, Options(seed: 11)).Evaluators[0];
        var again = ExperimentComparison.Compare(baseline, shuffled, Options(seed: 11)).Evaluators[0];
        var otherSeed = ExperimentComparison.Compare(baseline, candidate, Options(seed: 12)).Evaluators[0];

        Assert.Equal(first.MeanDifferenceInterval, again.MeanDifferenceInterval);
        Assert.Equal(first.Reason, again.Reason);
        Assert.NotEqual(first.MeanDifferenceInterval, otherSeed.MeanDifferenceInterval);
        Assert.Equal(first.MeanDifference!.Value, otherSeed.MeanDifference!.Value, 12);
        Assert.Equal(VerdictBasis.MeanScore, first.Basis);
        Assert.Null(first.PassFail);
    }

    [Fact]
    public void Adding_an_evaluator_leaves_the_intervals_of_the_others_unchanged()
    {
        var random = new Random(5);
        List<ExperimentRow> Make(bool withExtra) => [.. Enumerable.Range(0, 100).Select(i =>
        {
            var outcomes = new List<EvaluatorOutcome> { Score("sim", (i * 37 % 100) / 100.0) };
            if (withExtra) outcomes.Add(Score("extra", 0.5));
            return Row($"ex{i}", [.. outcomes]);
        })];
        var candidate = Enumerable.Range(0, 100).Select(i => Row($"ex{i}", Score("sim", random.NextDouble()), Score("extra", 0.5))).ToList();

        var alone = ExperimentComparison.Compare(Make(false), [.. candidate.Select(r => r with { Evaluations = [r.Evaluations[0]] })], Options()).Evaluators.Single();
        var together = ExperimentComparison.Compare(Make(true), candidate, Options()).Evaluators[0];

        Assert.Equal(alone.MeanDifferenceInterval, together.MeanDifferenceInterval);
    }

    [Fact]
    public void Identical_experiments_show_no_change_with_a_zero_width_interval()
    {
        var rows = FromBits("1101001110");
        var result = ExperimentComparison.Compare(rows, rows, Options()).Evaluators[0];

        Assert.Equal(new ConfidenceInterval(0, 0, 0.95), result.MeanDifferenceInterval!.Value with { Level = 0.95 });
        Assert.Equal(0.95, result.MeanDifferenceInterval.Value.Level, 12);
        Assert.Equal((0, 0, 1.0), (result.PassFail!.BaselineOnlyPassed, result.PassFail.CandidateOnlyPassed, result.PassFail.McNemarPValue));
        Assert.Equal(ComparisonVerdict.NoSignificantChange, result.Verdict);
        Assert.Empty(result.TopRegressions);
    }

    [Fact]
    public void A_change_on_every_row_is_significant_in_its_direction()
    {
        var improved = ExperimentComparison.Compare(FromBits(new string('0', 30)), FromBits(new string('1', 30)), Options()).Evaluators[0];
        Assert.Equal((ComparisonVerdict.Improved, 1.0, 1.0), (improved.Verdict, improved.MeanDifferenceInterval!.Value.Lower, improved.MeanDifferenceInterval.Value.Upper));
        Assert.Equal(2 * Math.Pow(0.5, 30), improved.PassFail!.McNemarPValue, 2 * Math.Pow(0.5, 30) * 1e-10);

        var regressed = ExperimentComparison.Compare(FromBits(new string('1', 30)), FromBits(new string('0', 30)), Options()).Evaluators[0];
        Assert.Equal(ComparisonVerdict.Regressed, regressed.Verdict);
        Assert.Equal(10, regressed.TopRegressions.Count);
        Assert.Equal(["ex0000", "ex0001", "ex0002"], regressed.TopRegressions.Take(3).Select(r => r.ExampleId));
    }

    [Fact]
    public void Six_flips_all_for_the_candidate_among_forty_examples_are_an_improvement()
    {
        var baseline = FromBits(new string('0', 6) + new string('1', 20) + new string('0', 14));
        var candidate = FromBits(new string('1', 26) + new string('0', 14));

        var result = ExperimentComparison.Compare(baseline, candidate, Options()).Evaluators[0];

        Assert.Equal(0.03125, result.PassFail!.McNemarPValue, 1e-12);
        Assert.True(result.MeanDifferenceInterval!.Value.Lower > 0);
        Assert.Equal(ComparisonVerdict.Improved, result.Verdict);
    }

    [Fact]
    public void Five_flips_are_not_enough_even_when_the_bootstrap_interval_excludes_zero()
    {
        // Few discordant pairs: the percentile interval is overconfident, the exact test is not, and both must agree.
        var baseline = FromBits(new string('0', 5) + new string('1', 20) + new string('0', 15));
        var candidate = FromBits(new string('1', 25) + new string('0', 15));

        var result = ExperimentComparison.Compare(baseline, candidate, Options()).Evaluators[0];

        Assert.Equal(0.0625, result.PassFail!.McNemarPValue, 1e-12);
        Assert.True(result.MeanDifferenceInterval!.Value.Lower > 0);
        Assert.Equal(ComparisonVerdict.NoSignificantChange, result.Verdict);
        Assert.EndsWith("McNemar p >= 0.05", result.Reason);
    }

    [Fact]
    public void Rows_missing_on_either_side_are_listed_and_left_out()
    {
        List<ExperimentRow> baseline = [Row("a", PassFail("acc", true)), Row("b", PassFail("acc", true)), Row("c", PassFail("acc", false)), Row("only-base", PassFail("acc", true))];
        List<ExperimentRow> candidate = [Row("a", PassFail("acc", true)), Row("b", PassFail("acc", false)), Row("c", PassFail("acc", false)), Row("only-cand", 2, PassFail("acc", true))];

        var comparison = ExperimentComparison.Compare(baseline, candidate, Options());

        Assert.Equal(3, comparison.PairedRows);
        Assert.Equal([new RowKey("only-base", 0)], comparison.OnlyInBaseline);
        Assert.Equal([new RowKey("only-cand", 2)], comparison.OnlyInCandidate);
        Assert.Equal(3, comparison.Evaluators[0].Pairs);
        Assert.Equal(4, comparison.Baseline.Rows);
    }

    [Fact]
    public void Errors_and_absent_outcomes_exclude_a_pair_for_that_evaluator_only()
    {
        List<ExperimentRow> baseline =
        [
            Row("a", PassFail("acc", true), Score("sim", 0.5)),
            Row("b", PassFail("acc", true), EvaluatorOutcome.Failure("sim", "levenshtein", "boom")),
            Row("c", PassFail("acc", false), Score("sim", 0.2)),
        ];
        List<ExperimentRow> candidate =
        [
            Row("a", PassFail("acc", true), Score("sim", 0.7)),
            Row("b", PassFail("acc", false), Score("sim", 0.9)),
            Row("c") with { Error = "model error" },
        ];

        var evaluators = ExperimentComparison.Compare(baseline, candidate, Options()).Evaluators.ToDictionary(e => e.Name);

        Assert.Equal((2, 1), (evaluators["acc"].Pairs, evaluators["acc"].ExcludedPairs));
        Assert.Equal((1, 2), (evaluators["sim"].Pairs, evaluators["sim"].ExcludedPairs));
        Assert.Equal(0.2, evaluators["sim"].MeanDifference!.Value, 12);
    }

    [Fact]
    public void Fewer_than_two_examples_give_no_interval_and_no_verdict()
    {
        // Three repetitions of one example are still one example: the resampling unit.
        List<ExperimentRow> baseline = [Row("only", 0, PassFail("acc", false)), Row("only", 1, PassFail("acc", false)), Row("only", 2, PassFail("acc", false))];
        List<ExperimentRow> candidate = [Row("only", 0, PassFail("acc", true)), Row("only", 1, PassFail("acc", true)), Row("only", 2, PassFail("acc", true))];

        var result = ExperimentComparison.Compare(baseline, candidate, Options()).Evaluators[0];

        Assert.Equal((3, 1, 1.0), (result.Pairs, result.Examples, result.MeanDifference!.Value));
        Assert.Null(result.MeanDifferenceInterval);
        Assert.Null(result.PassFail!.DifferenceInterval);
        Assert.Equal((ComparisonVerdict.NoSignificantChange, VerdictBasis.InsufficientData), (result.Verdict, result.Basis));

        var none = ExperimentComparison.Compare([Row("a", PassFail("acc", true))], [Row("a", PassFail("other", true))], Options()).Evaluators;
        Assert.All(none, e => Assert.Equal((0, VerdictBasis.InsufficientData, (double?)null), (e.Pairs, e.Basis, e.MeanDifference)));
        Assert.Empty(ExperimentComparison.Compare([], [], Options()).Evaluators);
    }

    [Fact]
    public void Repetitions_that_add_no_information_do_not_narrow_the_interval()
    {
        // Each example repeated five times with identical results: the examples, not the rows, are the evidence.
        var baseline = FromBits("1101001110110100111011010");
        var candidate = FromBits("1111011110111101111011110");
        List<ExperimentRow> Repeat(List<ExperimentRow> rows) => [.. rows.SelectMany(r => Enumerable.Range(0, 5).Select(k => r with { Repetition = k }))];

        var once = ExperimentComparison.Compare(baseline, candidate, Options()).Evaluators[0];
        var fiveTimes = ExperimentComparison.Compare(Repeat(baseline), Repeat(candidate), Options()).Evaluators[0];

        Assert.Equal(once.MeanDifferenceInterval!.Value.Lower, fiveTimes.MeanDifferenceInterval!.Value.Lower, 12);
        Assert.Equal(once.MeanDifferenceInterval.Value.Upper, fiveTimes.MeanDifferenceInterval.Value.Upper, 12);
        Assert.Equal((25, 125), (fiveTimes.Examples, fiveTimes.Pairs));
        // McNemar counts rows as independent, which is why the verdict also needs the interval.
        Assert.True(fiveTimes.PassFail!.McNemarPValue < once.PassFail!.McNemarPValue);
    }

    [Fact]
    public void Pass_fail_on_only_some_pairs_falls_back_to_the_mean_score()
    {
        List<ExperimentRow> baseline = [Row("a", Score("j", 0.2, true)), Row("b", Score("j", 0.3)), Row("c", Score("j", 0.1, false))];
        List<ExperimentRow> candidate = [Row("a", Score("j", 0.9, true)), Row("b", Score("j", 0.8, true)), Row("c", Score("j", 0.7, true))];

        var result = ExperimentComparison.Compare(baseline, candidate, Options()).Evaluators[0];

        Assert.Null(result.PassFail);
        Assert.Equal(VerdictBasis.MeanScore, result.Basis);
        Assert.Equal(0.6, result.MeanDifference!.Value, 12);
    }

    [Fact]
    public void Top_regressions_are_the_largest_drops_first()
    {
        List<ExperimentRow> baseline = [Row("a", Score("s", 0.9)), Row("b", Score("s", 0.8)), Row("c", Score("s", 0.5)), Row("d", Score("s", 0.4)), Row("e", Score("s", 0.9))];
        List<ExperimentRow> candidate = [Row("a", Score("s", 0.8)), Row("b", Score("s", 0.1)), Row("c", Score("s", 0.6)), Row("d", Score("s", 0.0)), Row("e", Score("s", 0.2))];

        var result = ExperimentComparison.Compare(baseline, candidate, Options() with { TopRegressions = 3 }).Evaluators[0];

        Assert.Equal(["b", "e", "d"], result.TopRegressions.Select(r => r.ExampleId));
        Assert.Equal(0.7, result.TopRegressions[0].Drop, 12);
        Assert.Equal("similarity 0.1", result.TopRegressions[0].CandidateExplanation);
    }

    [Fact]
    public void Bonferroni_divides_alpha_by_the_number_of_evaluators_and_widens_the_intervals()
    {
        var random = new Random(9);
        List<ExperimentRow> Make() => [.. Enumerable.Range(0, 200).Select(i => Row($"ex{i}", Score("a", random.NextDouble()), Score("b", random.NextDouble()), Score("c", random.NextDouble()), Score("d", random.NextDouble())))];
        var baseline = Make();
        var candidate = Make();

        var plain = ExperimentComparison.Compare(baseline, candidate, Options());
        var corrected = ExperimentComparison.Compare(baseline, candidate, Options() with { Correction = MultiplicityCorrection.Bonferroni });

        Assert.Equal(0.05, plain.Alpha, 12);
        Assert.Equal(0.0125, corrected.Alpha, 12);
        Assert.Equal(0.9875, corrected.Evaluators[0].MeanDifferenceInterval!.Value.Level, 12);
        for (var i = 0; i < 4; i++)
        {
            var narrow = plain.Evaluators[i].MeanDifferenceInterval!.Value;
            var wide = corrected.Evaluators[i].MeanDifferenceInterval!.Value;
            Assert.True(wide.Lower < narrow.Lower && wide.Upper > narrow.Upper);
        }
    }

    [Fact]
    public void Bad_input_is_rejected()
    {
        var rows = FromBits("10");
        Assert.Throws<ArgumentException>(() => ExperimentComparison.Compare([.. rows, rows[0]], rows, Options()));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExperimentComparison.Compare(rows, rows, Options() with { Resamples = 1_999 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExperimentComparison.Compare(rows, rows, Options() with { ConfidenceLevel = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExperimentComparison.Compare(rows, rows, Options() with { ConfidenceLevel = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExperimentComparison.Compare(rows, rows, Options() with { TopRegressions = -1 }));
    }

    [Fact]
    public void Verdicts_serialize_as_snake_case_words()
    {
        Assert.Equal("\"no_significant_change\"", System.Text.Json.JsonSerializer.Serialize(ComparisonVerdict.NoSignificantChange));
        Assert.Equal("\"improved\"", System.Text.Json.JsonSerializer.Serialize(ComparisonVerdict.Improved));
        Assert.Equal("\"pass_rate\"", System.Text.Json.JsonSerializer.Serialize(VerdictBasis.PassRate));
    }
}
