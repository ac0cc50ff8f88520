namespace PromptFunctions.Evaluation.Statistics;

/// <summary>
/// Paired differences summed per example, the clusters every paired test resamples: repetitions of one example
/// are not independent, so they move together. Compare and the suite verdicts read the same clusters, so the same
/// rows give both the same numbers.
/// </summary>
/// <param name="ScoreSums">Per example, the sum over its repetitions of candidate score minus baseline score.</param>
/// <param name="PassSums">The same for pass (1) and fail (0); zeros unless <see cref="PassFail"/>.</param>
/// <param name="Counts">Per example, how many pairs it has.</param>
/// <param name="PassFail">Every pair says pass or fail on both sides.</param>
public sealed record ExampleClusters(
    List<double> ScoreSums, List<double> PassSums, List<int> Counts, bool PassFail,
    double BaselineTotal, double CandidateTotal, int BothPassed, int BothFailed, int BaselineOnly, int CandidateOnly)
{
    public int Examples => Counts.Count;

    /// <param name="pairs">Sorted by key, so an example's repetitions are adjacent.</param>
    public static ExampleClusters Of(IReadOnlyList<(RowKey Key, EvaluatorOutcome Baseline, EvaluatorOutcome Candidate)> pairs)
    {
        var passFail = pairs.Count > 0 && pairs.All(p => p.Baseline.Passed is not null && p.Candidate.Passed is not null);
        var scoreSums = new List<double>();
        var passSums = new List<double>();
        var counts = new List<int>();
        double baselineTotal = 0, candidateTotal = 0;
        int bothPassed = 0, bothFailed = 0, baselineOnly = 0, candidateOnly = 0;
        string? currentExample = null;
        foreach (var (key, b, c) in pairs)
        {
            if (!string.Equals(key.ExampleId, currentExample, StringComparison.Ordinal))
            {
                currentExample = key.ExampleId;
                scoreSums.Add(0);
                passSums.Add(0);
                counts.Add(0);
            }
            var last = counts.Count - 1;
            scoreSums[last] += c.Score!.Value - b.Score!.Value;
            counts[last]++;
            baselineTotal += b.Score.Value;
            candidateTotal += c.Score.Value;
            if (passFail)
            {
                var (bp, cp) = (b.Passed!.Value, c.Passed!.Value);
                passSums[last] += (cp ? 1 : 0) - (bp ? 1 : 0);
                if (bp && cp) bothPassed++;
                else if (!bp && !cp) bothFailed++;
                else if (bp) baselineOnly++;
                else candidateOnly++;
            }
        }
        return new ExampleClusters(scoreSums, passSums, counts, passFail, baselineTotal, candidateTotal, bothPassed, bothFailed, baselineOnly, candidateOnly);
    }
}
