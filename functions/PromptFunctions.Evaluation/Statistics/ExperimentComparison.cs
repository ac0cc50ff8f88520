using System.Globalization;
using System.Text.Json.Serialization;

namespace PromptFunctions.Evaluation.Statistics;

[JsonConverter(typeof(JsonStringEnumConverter<ComparisonVerdict>))]
public enum ComparisonVerdict
{
    [JsonStringEnumMemberName("no_significant_change")] NoSignificantChange,
    [JsonStringEnumMemberName("improved")] Improved,
    [JsonStringEnumMemberName("regressed")] Regressed,
}

/// <summary>Which statistic the verdict rests on.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VerdictBasis>))]
public enum VerdictBasis
{
    /// <summary>Not enough paired data for any test.</summary>
    [JsonStringEnumMemberName("insufficient_data")] InsufficientData,
    /// <summary>Every paired row has pass/fail on both sides: McNemar and the pass-rate interval must agree.</summary>
    [JsonStringEnumMemberName("pass_rate")] PassRate,
    /// <summary>Scores without pass/fail: the interval of the mean score difference.</summary>
    [JsonStringEnumMemberName("mean_score")] MeanScore,
}

[JsonConverter(typeof(JsonStringEnumConverter<MultiplicityCorrection>))]
public enum MultiplicityCorrection
{
    [JsonStringEnumMemberName("none")] None,
    /// <summary>Each evaluator is tested at alpha / (number of evaluators compared), and its intervals widen to match.</summary>
    [JsonStringEnumMemberName("bonferroni")] Bonferroni,
}

public sealed record ComparisonOptions
{
    public const int MinResamples = 2_000;
    public const int MaxResamples = 200_000;

    /// <summary>
    /// The most values one comparison may draw: resamples × examples × evaluators. A bootstrap draw is cheap, but
    /// 200,000 resamples of 100,000 examples for ten evaluators would be 200 billion of them; this bound keeps one
    /// comparison to seconds.
    /// </summary>
    public const long MaxDraws = 4_000_000_000;

    /// <summary>Seeds the bootstrap: the same rows, options and seed always give the same comparison.</summary>
    public required int Seed { get; init; }

    public int Resamples { get; init; } = MinResamples;

    /// <summary>Two-sided interval coverage; the test level alpha is 1 - this.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    public MultiplicityCorrection Correction { get; init; } = MultiplicityCorrection.None;

    /// <summary>How many of the worst score drops to list per evaluator.</summary>
    public int TopRegressions { get; init; } = 10;

    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    public void Validate()
    {
        if (Resamples is < MinResamples or > MaxResamples)
            throw new ArgumentOutOfRangeException(nameof(Resamples), Resamples, $"between {MinResamples} and {MaxResamples} resamples");
        if (!(ConfidenceLevel >= 0.5 && ConfidenceLevel <= 0.999))
            throw new ArgumentOutOfRangeException(nameof(ConfidenceLevel), ConfidenceLevel, "between 0.5 and 0.999");
        if (TopRegressions is < 0 or > 1_000)
            throw new ArgumentOutOfRangeException(nameof(TopRegressions), TopRegressions, "between 0 and 1000");
        if (!Enum.IsDefined(Correction))
            throw new ArgumentOutOfRangeException(nameof(Correction), Correction, "none or bonferroni");
    }
}

/// <summary>Pass/fail on the pairs of one evaluator.</summary>
/// <param name="BaselineOnlyPassed">Discordant pairs that passed in the baseline only (b).</param>
/// <param name="CandidateOnlyPassed">Discordant pairs that passed in the candidate only (c).</param>
/// <param name="DifferenceInterval">Bootstrap interval of candidate minus baseline pass rate; null below two examples.</param>
public sealed record PassFailComparison(
    int Pairs,
    double BaselinePassRate,
    double CandidatePassRate,
    double Difference,
    ConfidenceInterval? DifferenceInterval,
    int BothPassed,
    int BothFailed,
    int BaselineOnlyPassed,
    int CandidateOnlyPassed,
    double McNemarPValue);

/// <summary>A paired row whose score fell, worst first.</summary>
public sealed record RowChange(string ExampleId, int Repetition, double BaselineScore, double CandidateScore, string BaselineExplanation, string CandidateExplanation)
{
    public double Drop => BaselineScore - CandidateScore;
}

/// <summary>One evaluator, candidate against baseline, on the rows both scored.</summary>
/// <param name="Pairs">Paired rows with a score on both sides.</param>
/// <param name="Examples">Distinct examples among those pairs: the bootstrap's unit.</param>
/// <param name="ExcludedPairs">Paired rows left out because one side has an error or no outcome for this evaluator.</param>
/// <param name="MeanDifference">Candidate minus baseline mean score over the pairs.</param>
/// <param name="MeanDifferenceInterval">Null below two examples.</param>
/// <param name="PassFail">Null unless every pair has pass/fail on both sides.</param>
public sealed record EvaluatorComparison(
    string Name,
    string Type,
    int Pairs,
    int Examples,
    int ExcludedPairs,
    double? BaselineMean,
    double? CandidateMean,
    double? MeanDifference,
    ConfidenceInterval? MeanDifferenceInterval,
    PassFailComparison? PassFail,
    ComparisonVerdict Verdict,
    VerdictBasis Basis,
    string Reason,
    IReadOnlyList<RowChange> TopRegressions);

/// <param name="Alpha">The test level each evaluator was held to, after any multiplicity correction.</param>
public sealed record ExperimentComparison(
    ExperimentSummary Baseline,
    ExperimentSummary Candidate,
    int PairedRows,
    IReadOnlyList<RowKey> OnlyInBaseline,
    IReadOnlyList<RowKey> OnlyInCandidate,
    IReadOnlyList<EvaluatorComparison> Evaluators,
    int Seed,
    int Resamples,
    MultiplicityCorrection Correction,
    double Alpha)
{
    /// <summary>
    /// Compares two experiments on the same dataset. Rows pair by (example id, repetition); for each evaluator the pairs
    /// where both sides have a score are compared (see docs/comparison.md for the method and what a verdict means).
    /// </summary>
    /// <exception cref="ArgumentException">A key appears twice in one experiment.</exception>
    /// <exception cref="ComparisonTooLargeException">The bootstrap would draw more than <see cref="ComparisonOptions.MaxDraws"/> values.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked between resamples).</exception>
    public static ExperimentComparison Compare(IReadOnlyList<ExperimentRow> baseline, IReadOnlyList<ExperimentRow> candidate, ComparisonOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var baselineByKey = Index(baseline, nameof(baseline));
        var candidateByKey = Index(candidate, nameof(candidate));
        // Sorted keys make the result independent of row order and keep each example's repetitions together.
        var paired = baselineByKey.Keys.Where(candidateByKey.ContainsKey).Order().ToArray();
        var onlyInBaseline = baselineByKey.Keys.Where(k => !candidateByKey.ContainsKey(k)).Order().ToList();
        var onlyInCandidate = candidateByKey.Keys.Where(k => !baselineByKey.ContainsKey(k)).Order().ToList();

        var evaluators = new List<(string Name, string Type)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in baseline.Concat(candidate))
            foreach (var outcome in row.Evaluations)
                if (seen.Add(outcome.Name)) evaluators.Add((outcome.Name, outcome.Type));

        var alpha = 1 - options.ConfidenceLevel;
        if (options.Correction == MultiplicityCorrection.Bonferroni && evaluators.Count > 1) alpha /= evaluators.Count;

        var examples = paired.Select(k => k.ExampleId).Distinct(StringComparer.Ordinal).Count();
        var draws = (long)options.Resamples * examples * evaluators.Count;
        if (draws > ComparisonOptions.MaxDraws)
            throw new ComparisonTooLargeException(options.Resamples, examples, evaluators.Count);

        var comparisons = evaluators
            .Select(e => CompareEvaluator(e.Name, e.Type, paired, baselineByKey, candidateByKey, options, alpha, cancellationToken))
            .ToList();
        return new ExperimentComparison(
            ExperimentSummary.Of(baseline), ExperimentSummary.Of(candidate), paired.Length, onlyInBaseline, onlyInCandidate,
            comparisons, options.Seed, options.Resamples, options.Correction, alpha);
    }

    private static Dictionary<RowKey, ExperimentRow> Index(IReadOnlyList<ExperimentRow> rows, string side)
    {
        var index = new Dictionary<RowKey, ExperimentRow>(rows.Count);
        foreach (var row in rows)
        {
            if (!index.TryAdd(row.Key, row))
                throw new ArgumentException($"the {side} experiment has two rows for example '{row.ExampleId}' repetition {row.Repetition}", side);
        }
        return index;
    }

    private static EvaluatorOutcome? Find(ExperimentRow row, string name)
    {
        foreach (var outcome in row.Evaluations)
            if (string.Equals(outcome.Name, name, StringComparison.Ordinal)) return outcome;
        return null;
    }

    private static EvaluatorComparison CompareEvaluator(
        string name, string type, RowKey[] paired,
        Dictionary<RowKey, ExperimentRow> baselineByKey, Dictionary<RowKey, ExperimentRow> candidateByKey,
        ComparisonOptions options, double alpha, CancellationToken cancellationToken)
    {
        var pairs = new List<(RowKey Key, EvaluatorOutcome Baseline, EvaluatorOutcome Candidate)>(paired.Length);
        foreach (var key in paired)
        {
            if (Find(baselineByKey[key], name) is { Score: not null } b && Find(candidateByKey[key], name) is { Score: not null } c)
                pairs.Add((key, b, c));
        }
        var excluded = paired.Length - pairs.Count;
        var n = pairs.Count;
        var clusters = ExampleClusters.Of(pairs);
        var (hasPassFail, scoreSums, passSums, counts, examples) = (clusters.PassFail, clusters.ScoreSums, clusters.PassSums, clusters.Counts, clusters.Examples);
        var (baselineTotal, candidateTotal) = (clusters.BaselineTotal, clusters.CandidateTotal);
        var (bothPassed, bothFailed, baselineOnly, candidateOnly) = (clusters.BothPassed, clusters.BothFailed, clusters.BaselineOnly, clusters.CandidateOnly);

        var topRegressions = pairs
            .Where(p => p.Candidate.Score < p.Baseline.Score)
            .OrderByDescending(p => p.Baseline.Score!.Value - p.Candidate.Score!.Value)
            .ThenBy(p => p.Key)
            .Take(options.TopRegressions)
            .Select(p => new RowChange(p.Key.ExampleId, p.Key.Repetition, p.Baseline.Score!.Value, p.Candidate.Score!.Value, p.Baseline.Explanation, p.Candidate.Explanation))
            .ToList();

        if (n == 0)
        {
            return new EvaluatorComparison(name, type, 0, 0, excluded, null, null, null, null, null,
                ComparisonVerdict.NoSignificantChange, VerdictBasis.InsufficientData, "no paired row has a score on both sides", topRegressions);
        }

        var baselineMean = baselineTotal / n;
        var candidateMean = candidateTotal / n;
        var meanDifference = candidateMean - baselineMean;
        ConfidenceInterval? scoreInterval = null, passInterval = null;
        if (examples >= 2)
        {
            var seed = PairedTests.DeriveSeed(options.Seed, name);
            (var scoreCi, passInterval) = PairedTests.ClusterBootstrap(
                [.. scoreSums], hasPassFail ? [.. passSums] : null, [.. counts], options.Resamples, 1 - alpha, seed, cancellationToken);
            scoreInterval = scoreCi;
        }

        PassFailComparison? passFail = null;
        if (hasPassFail)
        {
            var baselinePassRate = (double)(bothPassed + baselineOnly) / n;
            var candidatePassRate = (double)(bothPassed + candidateOnly) / n;
            passFail = new PassFailComparison(n, baselinePassRate, candidatePassRate, candidatePassRate - baselinePassRate, passInterval,
                bothPassed, bothFailed, baselineOnly, candidateOnly, PairedTests.McNemarExact(baselineOnly, candidateOnly));
        }

        var (verdict, basis, reason) = Decide(examples, meanDifference, scoreInterval, passFail, alpha);
        return new EvaluatorComparison(name, type, n, examples, excluded, baselineMean, candidateMean, meanDifference,
            scoreInterval, passFail, verdict, basis, reason, topRegressions);
    }

    /// <summary>
    /// Pass/fail evaluators: improved when the exact McNemar p-value is below alpha, more discordant pairs favour the
    /// candidate, and the pass-rate interval lies above zero; regressed symmetrically. Score-only evaluators: the mean
    /// score interval lies above (improved) or below (regressed) zero. Anything else, including fewer than two examples,
    /// is no significant change.
    /// </summary>
    private static (ComparisonVerdict, VerdictBasis, string) Decide(
        int examples, double meanDifference, ConfidenceInterval? scoreInterval, PassFailComparison? passFail, double alpha)
    {
        if (examples < 2 || scoreInterval is null)
            return (ComparisonVerdict.NoSignificantChange, VerdictBasis.InsufficientData, $"only {examples} example(s) scored on both sides; at least 2 are needed");

        if (passFail is { DifferenceInterval: { } interval } pf)
        {
            var description = $"pass rate {F(pf.BaselinePassRate)} -> {F(pf.CandidatePassRate)} ({Signed(pf.Difference)}, {Interval(interval)}); " +
                $"exact McNemar p = {P(pf.McNemarPValue)} on {pf.BaselineOnlyPassed} baseline-only vs {pf.CandidateOnlyPassed} candidate-only passes";
            var significant = pf.McNemarPValue < alpha;
            if (significant && pf.CandidateOnlyPassed > pf.BaselineOnlyPassed && interval.Lower > 0)
                return (ComparisonVerdict.Improved, VerdictBasis.PassRate, description);
            if (significant && pf.BaselineOnlyPassed > pf.CandidateOnlyPassed && interval.Upper < 0)
                return (ComparisonVerdict.Regressed, VerdictBasis.PassRate, description);
            var why = (significant, interval.ExcludesZero) switch
            {
                (true, true) => "the tests disagree on the direction",
                (true, false) => "the interval includes zero",
                (false, true) => $"McNemar p >= {P(alpha)}",
                _ => $"McNemar p >= {P(alpha)} and the interval includes zero",
            };
            return (ComparisonVerdict.NoSignificantChange, VerdictBasis.PassRate, $"{description}; {why}");
        }

        var scoreDescription = $"mean score {Signed(meanDifference)} ({Interval(scoreInterval.Value)})";
        if (scoreInterval.Value.Lower > 0) return (ComparisonVerdict.Improved, VerdictBasis.MeanScore, scoreDescription);
        if (scoreInterval.Value.Upper < 0) return (ComparisonVerdict.Regressed, VerdictBasis.MeanScore, scoreDescription);
        return (ComparisonVerdict.NoSignificantChange, VerdictBasis.MeanScore, $"{scoreDescription}; the interval includes zero");
    }

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Signed(double value) => value.ToString("+0.###;-0.###;0", CultureInfo.InvariantCulture);

    private static string P(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Interval(ConfidenceInterval interval) =>
        $"{(interval.Level * 100).ToString("0.##", CultureInfo.InvariantCulture)}% CI [{Signed(interval.Lower)}, {Signed(interval.Upper)}]";
}

/// <summary>A comparison whose bootstrap would draw more than <see cref="ComparisonOptions.MaxDraws"/> values.</summary>
public sealed class ComparisonTooLargeException(int resamples, int examples, int evaluators)
    : ArgumentException(string.Create(CultureInfo.InvariantCulture,
        $"{resamples:N0} resamples of {examples:N0} examples for {evaluators:N0} evaluators would draw {(long)resamples * examples * evaluators:N0} values, more than the limit of {ComparisonOptions.MaxDraws:N0}; use at most {LargestResamples(examples, evaluators):N0} resamples for these experiments"))
{
    /// <summary>The most resamples these experiments allow (at least the minimum, which always fits the row limits).</summary>
    public int LargestAllowed { get; } = LargestResamples(examples, evaluators);

    private static int LargestResamples(int examples, int evaluators) =>
        (int)Math.Clamp(ComparisonOptions.MaxDraws / Math.Max(1L, (long)examples * evaluators), 0, ComparisonOptions.MaxResamples);
}
