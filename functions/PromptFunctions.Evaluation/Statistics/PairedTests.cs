using MathNet.Numerics.Distributions;

namespace PromptFunctions.Evaluation.Statistics;

/// <param name="Level">The coverage the interval was computed for, e.g. 0.95.</param>
public readonly record struct ConfidenceInterval(double Lower, double Upper, double Level)
{
    public bool ExcludesZero => Lower > 0 || Upper < 0;
}

internal static class PairedTests
{
    /// <summary>
    /// Two-sided exact McNemar test: under no change each discordant pair is equally likely to go either way, so the
    /// smaller count is Binomial(b + c, 1/2); the p-value doubles its lower tail, capped at 1. No discordant pairs: 1.
    /// </summary>
    public static double McNemarExact(int baselineOnlyPassed, int candidateOnlyPassed)
    {
        var discordant = baselineOnlyPassed + candidateOnlyPassed;
        if (discordant == 0) return 1;
        var smaller = Math.Min(baselineOnlyPassed, candidateOnlyPassed);
        return Math.Min(1, 2 * Binomial.CDF(0.5, discordant, smaller));
    }

    /// <summary>
    /// Percentile bootstrap of a mean difference, resampling whole clusters (examples, with all their repetitions)
    /// with replacement. Each cluster carries the sum of its row differences and its row count; a resample's mean is
    /// the sum of the drawn sums over the sum of the drawn counts. With one row per cluster this is the ordinary paired
    /// bootstrap over rows. Both statistics use the same drawn clusters.
    /// </summary>
    /// <returns>The interval for <paramref name="sumsA"/>, and for <paramref name="sumsB"/> when given.</returns>
    public static (ConfidenceInterval A, ConfidenceInterval? B) ClusterBootstrap(
        double[] sumsA, double[]? sumsB, int[] counts, int resamples, double level, int seed)
    {
        var clusters = counts.Length;
        if (clusters < 2) throw new ArgumentException("a bootstrap needs at least two clusters", nameof(counts));
        var meansA = new double[resamples];
        var meansB = sumsB is null ? null : new double[resamples];
        var random = new Random(seed);
        for (var r = 0; r < resamples; r++)
        {
            double a = 0, b = 0;
            long rows = 0;
            if (sumsB is null)
            {
                for (var i = 0; i < clusters; i++)
                {
                    var j = random.Next(clusters);
                    a += sumsA[j];
                    rows += counts[j];
                }
            }
            else
            {
                for (var i = 0; i < clusters; i++)
                {
                    var j = random.Next(clusters);
                    a += sumsA[j];
                    b += sumsB[j];
                    rows += counts[j];
                }
                meansB![r] = b / rows;
            }
            meansA[r] = a / rows;
        }
        return (Interval(meansA, level), meansB is null ? null : Interval(meansB, level));
    }

    private static ConfidenceInterval Interval(double[] means, double level)
    {
        Array.Sort(means);
        var tail = (1 - level) / 2;
        return new ConfidenceInterval(Quantiles.OfSorted(means, tail), Quantiles.OfSorted(means, 1 - tail), level);
    }

    /// <summary>
    /// A seed per evaluator from the comparison seed and the evaluator name (FNV-1a, then a SplitMix64 finalizer), so
    /// adding or removing an evaluator leaves the intervals of the others unchanged.
    /// </summary>
    public static int DeriveSeed(int seed, string name)
    {
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash ^= c;
            hash *= 16777619u;
        }
        var x = ((ulong)(uint)seed << 32) | hash;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x & int.MaxValue);
    }
}
