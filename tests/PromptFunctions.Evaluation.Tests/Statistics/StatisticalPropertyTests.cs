using PromptFunctions.Evaluation.Statistics;
using Xunit.Abstractions;
using static PromptFunctions.Evaluation.Tests.Statistics.Rows;

namespace PromptFunctions.Evaluation.Tests.Statistics;

/// <summary>
/// The comparison on synthetic experiments with a known effect, 200 seeded runs each. Every run is deterministic (data
/// from one seeded generator, bootstrap from the run's seed), so these tests pass or fail the same way every time.
/// </summary>
public sealed class StatisticalPropertyTests(ITestOutputHelper output)
{
    private const int Runs = 200;

    // With a true non-coverage of 5 %, the number of intervals excluding zero in 200 independent runs is
    // Binomial(200, 0.05): mean 10, standard deviation 3.1, and P(X > 16) is about 2.6 %. 16 of 200 is the brief's 8 %.
    private const int MaxFalseExclusions = 16;

    // The power at 500 rows and 0.6 against 0.7 is about 0.9 (z near 3.3 for both tests); 80 % of 200 runs is 160.
    private const int MinDetections = 160;

    private static (List<ExperimentRow> Baseline, List<ExperimentRow> Candidate) PassFailExperiments(int seed, int rows, double baselineRate, double candidateRate)
    {
        var random = new Random(seed);
        var baseline = new List<ExperimentRow>(rows);
        var candidate = new List<ExperimentRow>(rows);
        for (var i = 0; i < rows; i++)
        {
            var id = $"ex{i}";
            baseline.Add(Row(id, PassFail("acc", random.NextDouble() < baselineRate)));
            candidate.Add(Row(id, PassFail("acc", random.NextDouble() < candidateRate)));
        }
        return (baseline, candidate);
    }

    /// <summary>Continuous scores that share each example's difficulty, as real paired runs do, with equal means on both sides.</summary>
    private static (List<ExperimentRow> Baseline, List<ExperimentRow> Candidate) CorrelatedScoreExperiments(int seed, int rows)
    {
        var random = new Random(seed);
        var baseline = new List<ExperimentRow>(rows);
        var candidate = new List<ExperimentRow>(rows);
        for (var i = 0; i < rows; i++)
        {
            var difficulty = random.NextDouble();
            baseline.Add(Row($"ex{i}", Score("sim", Math.Clamp(difficulty + (random.NextDouble() - 0.5) * 0.4, 0, 1))));
            candidate.Add(Row($"ex{i}", Score("sim", Math.Clamp(difficulty + (random.NextDouble() - 0.5) * 0.4, 0, 1))));
        }
        return (baseline, candidate);
    }

    private static EvaluatorComparison[] RunAll(Func<int, (List<ExperimentRow>, List<ExperimentRow>)> experiments)
    {
        var results = new EvaluatorComparison[Runs];
        Parallel.For(0, Runs, run =>
        {
            var (baseline, candidate) = experiments(run);
            results[run] = ExperimentComparison.Compare(baseline, candidate, Options(seed: run)).Evaluators.Single();
        });
        return results;
    }

    [Fact]
    public void With_no_true_difference_in_pass_rate_the_interval_rarely_excludes_zero()
    {
        var results = RunAll(run => PassFailExperiments(10_000 + run, 500, 0.6, 0.6));

        var exclusions = results.Count(r => r.MeanDifferenceInterval!.Value.ExcludesZero);
        var verdicts = results.Count(r => r.Verdict != ComparisonVerdict.NoSignificantChange);
        var mcNemar = results.Count(r => r.PassFail!.McNemarPValue < 0.05);
        output.WriteLine($"interval excludes zero: {exclusions}/{Runs}; McNemar p < 0.05: {mcNemar}/{Runs}; verdicts: {verdicts}/{Runs}");

        Assert.InRange(exclusions, 1, MaxFalseExclusions);
        Assert.InRange(verdicts, 0, MaxFalseExclusions);
    }

    [Fact]
    public void With_no_true_difference_in_correlated_scores_the_interval_rarely_excludes_zero()
    {
        var results = RunAll(run => CorrelatedScoreExperiments(20_000 + run, 200));

        var exclusions = results.Count(r => r.MeanDifferenceInterval!.Value.ExcludesZero);
        output.WriteLine($"interval excludes zero: {exclusions}/{Runs}");

        Assert.InRange(exclusions, 1, MaxFalseExclusions);
        Assert.All(results, r => Assert.Equal(VerdictBasis.MeanScore, r.Basis));
    }

    [Fact]
    public void A_true_ten_point_gain_in_pass_rate_at_500_rows_is_reported_as_improved()
    {
        var results = RunAll(run => PassFailExperiments(30_000 + run, 500, 0.6, 0.7));

        var improved = results.Count(r => r.Verdict == ComparisonVerdict.Improved);
        output.WriteLine($"improved: {improved}/{Runs}");

        Assert.InRange(improved, MinDetections, Runs);
        Assert.DoesNotContain(results, r => r.Verdict == ComparisonVerdict.Regressed);
    }

    [Fact]
    public void A_true_ten_point_loss_in_pass_rate_at_500_rows_is_reported_as_regressed()
    {
        var results = RunAll(run => PassFailExperiments(40_000 + run, 500, 0.7, 0.6));

        var regressed = results.Count(r => r.Verdict == ComparisonVerdict.Regressed);
        output.WriteLine($"regressed: {regressed}/{Runs}");

        Assert.InRange(regressed, MinDetections, Runs);
        Assert.DoesNotContain(results, r => r.Verdict == ComparisonVerdict.Improved);
    }
}
