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
        double[] sumsA, double[]? sumsB, int[] counts, int resamples, double level, ulong seed, CancellationToken cancellationToken = default)
    {
        var clusters = counts.Length;
        if (clusters < 2) throw new ArgumentException("a bootstrap needs at least two clusters", nameof(counts));
        var meansA = new double[resamples];
        var meansB = sumsB is null ? null : new double[resamples];
        var random = new Xoshiro256(seed);
        for (var r = 0; r < resamples; r++)
        {
            // A caller that went away stops the work; checking every 256 resamples costs nothing measurable.
            if ((r & 255) == 0) cancellationToken.ThrowIfCancellationRequested();
            double a = 0, b = 0;
            long rows = 0;
            if (sumsB is null)
            {
                for (var i = 0; i < clusters; i++)
                {
                    var j = random.NextInt(clusters);
                    a += sumsA[j];
                    rows += counts[j];
                }
            }
            else
            {
                for (var i = 0; i < clusters; i++)
                {
                    var j = random.NextInt(clusters);
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

    /// <summary>
    /// The sorted resampled means of the same cluster bootstrap (one statistic), for a p-value and an interval
    /// read off one distribution; the draws match <see cref="ClusterBootstrap"/>'s for the same seed.
    /// </summary>
    public static double[] ClusterBootstrapMeans(double[] sums, int[] counts, int resamples, ulong seed)
    {
        var clusters = counts.Length;
        if (clusters < 2) throw new ArgumentException("a bootstrap needs at least two clusters", nameof(counts));
        var means = new double[resamples];
        var random = new Xoshiro256(seed);
        for (var r = 0; r < resamples; r++)
        {
            double a = 0;
            long rows = 0;
            for (var i = 0; i < clusters; i++)
            {
                var j = random.NextInt(clusters);
                a += sums[j];
                rows += counts[j];
            }
            means[r] = a / rows;
        }
        Array.Sort(means);
        return means;
    }

    /// <summary>
    /// Two-sided bootstrap p-value of "the mean difference is zero": twice the share of resampled means on the far
    /// side of zero (plus one, so it is never zero), capped at 1. It is below alpha exactly when the percentile
    /// interval at 1 - alpha excludes zero, so it agrees with the interval compare reports.
    /// </summary>
    public static double BootstrapPValue(double[] sortedMeans)
    {
        var atOrBelow = 0;
        var atOrAbove = 0;
        foreach (var mean in sortedMeans)
        {
            if (mean <= 0) atOrBelow++;
            if (mean >= 0) atOrAbove++;
        }
        return Math.Min(1, 2.0 * (Math.Min(atOrBelow, atOrAbove) + 1) / (sortedMeans.Length + 1));
    }

    internal static ConfidenceInterval IntervalOfSorted(double[] sortedMeans, double level)
    {
        var tail = (1 - level) / 2;
        return new ConfidenceInterval(Quantiles.OfSorted(sortedMeans, tail), Quantiles.OfSorted(sortedMeans, 1 - tail), level);
    }

    private static ConfidenceInterval Interval(double[] means, double level)
    {
        Array.Sort(means);
        var tail = (1 - level) / 2;
        return new ConfidenceInterval(Quantiles.OfSorted(means, tail), Quantiles.OfSorted(means, 1 - tail), level);
    }

    /// <summary>
    /// A generator seed per evaluator: the comparison seed in the high half, the FNV-1a hash of the evaluator name in the
    /// low half (the generator's SplitMix64 seeding mixes both), so adding or removing an evaluator leaves the intervals
    /// of the others unchanged.
    /// </summary>
    public static ulong DeriveSeed(int seed, string name)
    {
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash ^= c;
            hash *= 16777619u;
        }
        return ((ulong)(uint)seed << 32) | hash;
    }
}
