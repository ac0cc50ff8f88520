using PromptFunctions.Evaluation.Statistics;
using Xunit.Abstractions;
using static PromptFunctions.Evaluation.Tests.Statistics.Rows;

namespace PromptFunctions.Evaluation.Tests.Statistics;

/// <summary>Suite verdicts: the rules on fixed data, Holm's procedure, and seeded simulations with known effects.</summary>
public sealed class SuiteVerdictTests(ITestOutputHelper output)
{
    private static SuiteVerdictOptions Options(int seed = 0, double margin = 0.02) => new() { Seed = seed, Margin = margin };

    /// <summary>Pass/fail rows where the examples in <paramref name="failing"/> fail and every other passes.</summary>
    private static List<ExperimentRow> Answers(int rows, Func<int, bool> failing, string evaluator = "acc") =>
        [.. Enumerable.Range(0, rows).Select(i => Row($"ex{i:D4}", PassFail(evaluator, !failing(i))))];

    [Fact]
    public void A_candidate_wrong_on_15_percent_of_400_rows_regressed()
    {
        var baseline = Answers(400, _ => false);
        var candidate = Answers(400, i => i % 20 < 3);

        var verdicts = SuiteVerdicts.Decide(baseline, [candidate], Options());

        var acc = verdicts.Candidates.Single().Evaluators.Single();
        Assert.Equal(SuiteVerdict.Regressed, acc.Verdict);
        Assert.Equal(SuiteVerdict.Regressed, verdicts.Verdict);
        Assert.Equal(-0.15, acc.Difference!.Value, 9);
        Assert.True(acc.AdjustedPValue < 1e-10, acc.Reason);
        Assert.Equal(VerdictBasis.PassRate, acc.Basis);
    }

    [Fact]
    public void An_identical_candidate_is_non_inferior_and_a_better_one_improved()
    {
        var baseline = Answers(400, i => i % 10 == 0);
        var same = Answers(400, i => i % 10 == 0);
        var better = Answers(400, _ => false);

        var verdicts = SuiteVerdicts.Decide(baseline, [same, better], Options());

        Assert.Equal(SuiteVerdict.NonInferior, verdicts.Candidates[0].Verdict);
        Assert.Equal(SuiteVerdict.Improved, verdicts.Candidates[1].Verdict);
        Assert.Equal(SuiteVerdict.NonInferior, verdicts.Verdict);
        Assert.Equal(2, verdicts.Hypotheses);
    }

    [Fact]
    public void Thirty_rows_with_a_small_difference_are_inconclusive_with_their_detectable_effect()
    {
        var baseline = Answers(30, _ => false);
        var candidate = Answers(30, i => i is 3 or 17);

        var verdicts = SuiteVerdicts.Decide(baseline, [candidate], Options());

        var acc = verdicts.Candidates.Single().Evaluators.Single();
        Assert.Equal(SuiteVerdict.Inconclusive, acc.Verdict);
        Assert.True(acc.Interval!.Value.Lower < -0.02);
        // Two discordant rows in 30: sd of the differences is about 0.254, so SE is 0.046 and the MDE at
        // alpha 0.05 and 80 % power is (1.96 + 0.84) * 0.046, about 0.13.
        Assert.InRange(acc.MinimumDetectableEffect!.Value, 0.11, 0.15);
        Assert.Contains("detected reliably", acc.Reason);
    }

    [Fact]
    public void Score_evaluators_get_a_bootstrap_p_value_that_agrees_with_the_interval()
    {
        var baseline = Enumerable.Range(0, 200).Select(i => Row($"ex{i:D4}", Score("sim", 0.8))).ToList();
        var lower = Enumerable.Range(0, 200).Select(i => Row($"ex{i:D4}", Score("sim", i % 2 == 0 ? 0.6 : 0.8))).ToList();

        var verdict = SuiteVerdicts.Decide(baseline, [lower], Options()).Candidates.Single().Evaluators.Single();

        Assert.Equal(VerdictBasis.MeanScore, verdict.Basis);
        Assert.Equal(SuiteVerdict.Regressed, verdict.Verdict);
        Assert.True(verdict.Interval!.Value.Upper < 0);
        Assert.True(verdict.PValue < 0.05);
    }

    [Fact]
    public void Holm_adjusts_like_the_textbook_example()
    {
        // p = 0.01, 0.04, 0.03, 0.005 with m = 4: sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.03, 0.06, 0.06.
        var adjusted = SuiteVerdicts.Holm([0.01, 0.04, 0.03, 0.005]);
        Assert.Equal([0.03, 0.06, 0.06, 0.02], adjusted.Select(p => Math.Round(p, 10)));
    }

    [Fact]
    public void The_run_verdict_is_the_worst()
    {
        Assert.Equal(SuiteVerdict.Regressed, SuiteVerdicts.Worst([SuiteVerdict.Improved, SuiteVerdict.Regressed, SuiteVerdict.Inconclusive], SuiteVerdict.Inconclusive));
        Assert.Equal(SuiteVerdict.Inconclusive, SuiteVerdicts.Worst([SuiteVerdict.NonInferior, SuiteVerdict.Inconclusive], SuiteVerdict.Inconclusive));
        Assert.Equal(SuiteVerdict.NonInferior, SuiteVerdicts.Worst([SuiteVerdict.Improved, SuiteVerdict.NonInferior], SuiteVerdict.Inconclusive));
    }

    private const int Simulations = 300;

    /// <summary>
    /// Three candidates, each scored by two pass/fail evaluators and one score evaluator (nine hypotheses), none with a
    /// true difference from the baseline. Rows share each example's difficulty, as real paired runs do.
    /// </summary>
    private static (List<ExperimentRow> Baseline, List<List<ExperimentRow>> Candidates) NullRun(int seed, int rows, double effect = 0)
    {
        var random = new Random(seed);
        var baseline = new List<ExperimentRow>(rows);
        var candidates = Enumerable.Range(0, 3).Select(_ => new List<ExperimentRow>(rows)).ToList();
        for (var i = 0; i < rows; i++)
        {
            var difficulty = random.NextDouble();
            ExperimentRow Sample(string id, double shift) => Row(id,
                PassFail("exact", random.NextDouble() < 0.3 + 0.5 * difficulty + shift),
                PassFail("contains", random.NextDouble() < 0.5 + 0.4 * difficulty),
                Score("similarity", Math.Clamp(difficulty + (random.NextDouble() - 0.5) * 0.4, 0, 1)));
            baseline.Add(Sample($"ex{i:D4}", 0));
            // Only the last candidate carries the (optional) effect, on one evaluator.
            for (var c = 0; c < 3; c++) candidates[c].Add(Sample($"ex{i:D4}", c == 2 ? effect : 0));
        }
        return (baseline, candidates);
    }

    [Fact]
    public void With_no_true_differences_the_chance_of_any_false_alarm_stays_at_most_5_percent_after_holm()
    {
        var falseAlarms = new bool[Simulations];
        var anyUncorrected = new bool[Simulations];
        Parallel.For(0, Simulations, run =>
        {
            var (baseline, candidates) = NullRun(50_000 + run, 300);
            var verdicts = SuiteVerdicts.Decide(baseline, [.. candidates], Options(seed: run));
            var all = verdicts.Candidates.SelectMany(c => c.Evaluators).ToList();
            Assert.Equal(9, all.Count);
            falseAlarms[run] = all.Any(e => e.Verdict is SuiteVerdict.Regressed or SuiteVerdict.Improved);
            anyUncorrected[run] = all.Any(e => e.PValue < 0.05);
        });
        var rate = falseAlarms.Count(a => a) / (double)Simulations;
        var uncorrected = anyUncorrected.Count(a => a) / (double)Simulations;
        output.WriteLine($"runs with a false significant verdict: {rate:P1} after Holm; {uncorrected:P1} of runs had an uncorrected p < 0.05");

        Assert.True(rate <= 0.05, $"family-wise false alarm rate {rate:P1}");
        // Without the correction nine tests at 5 % would alarm far more often: the correction is doing the work.
        Assert.True(uncorrected > 2 * rate + 0.05, $"uncorrected {uncorrected:P1} vs corrected {rate:P1}");
    }

    [Fact]
    public void A_true_drop_of_15_points_on_one_evaluator_of_one_candidate_is_found_and_blamed_on_it()
    {
        var found = new bool[100];
        var misplaced = new bool[100];
        Parallel.For(0, 100, run =>
        {
            var (baseline, candidates) = NullRun(60_000 + run, 300, effect: -0.15);
            var verdicts = SuiteVerdicts.Decide(baseline, [.. candidates], Options(seed: run));
            found[run] = verdicts.Candidates[2].Evaluators.Single(e => e.Evaluator == "exact").Verdict == SuiteVerdict.Regressed;
            misplaced[run] = verdicts.Candidates.Take(2).Any(c => c.Verdict == SuiteVerdict.Regressed);
        });
        output.WriteLine($"found {found.Count(f => f)}/100, regressions blamed on an unchanged candidate {misplaced.Count(m => m)}/100");
        Assert.True(found.Count(f => f) >= 80);
        Assert.True(misplaced.Count(m => m) <= 5);
    }
}
