namespace PromptFunctions.Evaluation.Statistics;

internal static class Quantiles
{
    /// <summary>
    /// Linear interpolation between closest ranks (Hyndman-Fan type 7, the default of numpy and R) on sorted values.
    /// </summary>
    public static double OfSorted(double[] sorted, double probability)
    {
        if (sorted.Length == 0) throw new ArgumentException("no values", nameof(sorted));
        var position = (sorted.Length - 1) * probability;
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        var fraction = position - lower;
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
    }
}
