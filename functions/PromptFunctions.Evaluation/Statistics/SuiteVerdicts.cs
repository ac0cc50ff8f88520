using System.Globalization;
using MathNet.Numerics.Distributions;

namespace PromptFunctions.Evaluation.Statistics;

/// <summary>A candidate's verdict on one evaluator, from best to worst; a run's verdict is the worst it contains.</summary>
public enum SuiteVerdict
{
    /// <summary>Significantly better after the multiplicity correction.</summary>
    Improved,
    /// <summary>Not significantly different, and the interval's lower bound is above minus the margin.</summary>
    NonInferior,
    /// <summary>Neither: the data cannot tell a loss bigger than the margin from none.</summary>
    Inconclusive,
    /// <summary>Significantly worse after the multiplicity correction.</summary>
    Regressed,
}

public sealed record SuiteVerdictOptions
{
    /// <summary>The non-inferiority margin on each evaluator's mean (pass rate for pass/fail evaluators).</summary>
    public double Margin { get; init; } = 0.02;

    /// <summary>The family-wise error rate Holm holds across every evaluator of every candidate.</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>The power the minimum detectable effect is computed for.</summary>
    public double Power { get; init; } = 0.8;

    public required int Seed { get; init; }

    public int Resamples { get; init; } = ComparisonOptions.MinResamples;

    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    public void Validate()
    {
        if (!(Margin >= 0 && Margin <= 1)) throw new ArgumentOutOfRangeException(nameof(Margin), Margin, "between 0 and 1");
        if (!(Alpha > 0 && Alpha < 0.5)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "between 0 and 0.5");
        if (!(Power >= 0.5 && Power < 1)) throw new ArgumentOutOfRangeException(nameof(Power), Power, "between 0.5 and 1");
        if (Resamples is < ComparisonOptions.MinResamples or > ComparisonOptions.MaxResamples)
            throw new ArgumentOutOfRangeException(nameof(Resamples), Resamples, $"between {ComparisonOptions.MinResamples} and {ComparisonOptions.MaxResamples}");
    }
}

/// <param name="Difference">Candidate minus baseline: pass rate for pass/fail evaluators, mean score otherwise.</param>
/// <param name="Interval">The paired cluster bootstrap interval of <see cref="Difference"/> at 95 %, as compare reports it.</param>
/// <param name="PValue">Two-sided: exact McNemar for pass/fail, the bootstrap's for scores.</param>
/// <param name="AdjustedPValue">Holm-adjusted over every hypothesis of the run; significant when at most alpha.</param>
/// <param name="MinimumDetectableEffect">The true difference detected with the configured power at the strictest Holm level.</param>
public sealed record EvaluatorVerdict(
    string Evaluator,
    string Type,
    SuiteVerdict Verdict,
    VerdictBasis Basis,
    int Pairs,
    int Examples,
    double? BaselineMean,
    double? CandidateMean,
    double? Difference,
    ConfidenceInterval? Interval,
    double PValue,
    double AdjustedPValue,
    double? MinimumDetectableEffect,
    string Reason);

public sealed record CandidateVerdict(int Candidate, SuiteVerdict Verdict, IReadOnlyList<EvaluatorVerdict> Evaluators);

/// <param name="Hypotheses">Evaluators times candidates: the family Holm corrects over.</param>
public sealed record SuiteVerdicts(SuiteVerdict Verdict, IReadOnlyList<CandidateVerdict> Candidates, int Hypotheses, double Alpha, double Margin)
{
    /// <summary>
    /// Verdicts of each candidate against the baseline, per evaluator, from the paired statistics compare uses
    /// (rows pair by example and repetition; examples are the bootstrap's clusters). Every evaluator of every
    /// candidate is one hypothesis of "no difference"; Holm's step-down procedure keeps the chance of any false
    /// significant verdict in the run at most alpha. Then: significant and worse is regressed, significant and better
    /// improved; otherwise non-inferior when the interval's lower bound is above minus the margin, else
    /// inconclusive. See docs/suites.md.
    /// </summary>
    public static SuiteVerdicts Decide(IReadOnlyList<ExperimentRow> baseline, IReadOnlyList<IReadOnlyList<ExperimentRow>> candidates, SuiteVerdictOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var tests = new List<(int Candidate, Paired Test)>();
        for (var c = 0; c < candidates.Count; c++)
        {
            foreach (var (name, type) in Evaluators(baseline, candidates[c]))
                tests.Add((c, Paired.Of(name, type, baseline, candidates[c], options)));
        }

        var m = tests.Count;
        var adjusted = Holm(tests.Select(t => t.Test.PValue).ToArray());
        var strictest = m == 0 ? options.Alpha : options.Alpha / m;
        var zSum = Normal.InvCDF(0, 1, 1 - strictest / 2) + Normal.InvCDF(0, 1, options.Power);

        var perCandidate = Enumerable.Range(0, candidates.Count).Select(_ => new List<EvaluatorVerdict>()).ToList();
        for (var i = 0; i < m; i++)
        {
            var (candidate, test) = tests[i];
            perCandidate[candidate].Add(test.Verdict(adjusted[i], options, zSum));
        }
        var candidateVerdicts = perCandidate
            .Select((list, c) => new CandidateVerdict(c, Worst(list.Select(v => v.Verdict), SuiteVerdict.Inconclusive), list))
            .ToList();
        return new SuiteVerdicts(Worst(candidateVerdicts.Select(c => c.Verdict), SuiteVerdict.Inconclusive), candidateVerdicts, m, options.Alpha, options.Margin);
    }

    /// <summary>The worst of <paramref name="verdicts"/>; <paramref name="none"/> when there are none.</summary>
    public static SuiteVerdict Worst(IEnumerable<SuiteVerdict> verdicts, SuiteVerdict none)
    {
        var any = false;
        var worst = SuiteVerdict.Improved;
        foreach (var verdict in verdicts)
        {
            any = true;
            if (verdict > worst) worst = verdict;
        }
        return any ? worst : none;
    }

    /// <summary>
    /// Holm-adjusted p-values: sorted ascending, the k-th (from 0) is multiplied by m - k, made monotone with a running
    /// maximum and capped at 1. Rejecting where the adjusted value is at most alpha is Holm's step-down test.
    /// </summary>
    public static double[] Holm(IReadOnlyList<double> pValues)
    {
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ThenBy(i => i).ToArray();
        var adjusted = new double[m];
        var running = 0.0;
        for (var k = 0; k < m; k++)
        {
            running = Math.Max(running, Math.Min(1, (m - k) * pValues[order[k]]));
            adjusted[order[k]] = running;
        }
        return adjusted;
    }

    private static List<(string Name, string Type)> Evaluators(IReadOnlyList<ExperimentRow> baseline, IReadOnlyList<ExperimentRow> candidate)
    {
        var evaluators = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in baseline.Concat(candidate))
            foreach (var outcome in row.Evaluations)
                if (seen.Add(outcome.Name)) evaluators.Add((outcome.Name, outcome.Type));
        return evaluators;
    }

    /// <summary>One evaluator of one candidate: the paired clusters and the statistics read from them.</summary>
    private sealed record Paired(
        string Name, string Type, int Pairs, int Examples, double? BaselineMean, double? CandidateMean, double? Difference,
        ConfidenceInterval? Interval, double PValue, double? StandardError, VerdictBasis Basis, int BaselineOnly, int CandidateOnly)
    {
        public static Paired Of(string name, string type, IReadOnlyList<ExperimentRow> baseline, IReadOnlyList<ExperimentRow> candidate, SuiteVerdictOptions options)
        {
            var candidateByKey = new Dictionary<RowKey, ExperimentRow>(candidate.Count);
            foreach (var row in candidate)
                if (!candidateByKey.TryAdd(row.Key, row)) throw new ArgumentException($"the candidate has two rows for example '{row.ExampleId}' repetition {row.Repetition}", nameof(candidate));
            var pairs = new List<(RowKey Key, EvaluatorOutcome B, EvaluatorOutcome C)>();
            var baselineKeys = new HashSet<RowKey>();
            foreach (var row in baseline)
            {
                if (!baselineKeys.Add(row.Key)) throw new ArgumentException($"the baseline has two rows for example '{row.ExampleId}' repetition {row.Repetition}", nameof(baseline));
                if (candidateByKey.TryGetValue(row.Key, out var other) && Find(row, name) is { Score: not null } b && Find(other, name) is { Score: not null } c)
                    pairs.Add((row.Key, b, c));
            }
            // Sorted keys keep each example's repetitions adjacent, as compare does, so clusters and draws match it.
            pairs.Sort((x, y) => x.Key.CompareTo(y.Key));
            var n = pairs.Count;
            if (n == 0) return new Paired(name, type, 0, 0, null, null, null, null, 1, null, VerdictBasis.InsufficientData, 0, 0);

            var clusters = ExampleClusters.Of(pairs);
            var (passFail, scoreSums, passSums, counts, examples) = (clusters.PassFail, clusters.ScoreSums, clusters.PassSums, clusters.Counts, clusters.Examples);
            var (baselineTotal, candidateTotal, baselineOnly, candidateOnly) = (clusters.BaselineTotal, clusters.CandidateTotal, clusters.BaselineOnly, clusters.CandidateOnly);
            var sums = passFail ? passSums : scoreSums;
            var difference = sums.Sum() / n;
            double baselineMean = baselineTotal / n, candidateMean = candidateTotal / n;
            if (passFail)
            {
                baselineMean = pairs.Count(p => p.B.Passed!.Value) / (double)n;
                candidateMean = pairs.Count(p => p.C.Passed!.Value) / (double)n;
            }
            if (examples < 2)
                return new Paired(name, type, n, examples, baselineMean, candidateMean, difference, null, 1, null, VerdictBasis.InsufficientData, baselineOnly, candidateOnly);

            var seed = PairedTests.DeriveSeed(options.Seed, name);
            ConfidenceInterval interval;
            double p;
            if (passFail)
            {
                (_, var passInterval) = PairedTests.ClusterBootstrap([.. scoreSums], [.. passSums], [.. counts], options.Resamples, 0.95, seed);
                interval = passInterval!.Value;
                p = PairedTests.McNemarExact(baselineOnly, candidateOnly);
            }
            else
            {
                var means = PairedTests.ClusterBootstrapMeans([.. scoreSums], [.. counts], options.Resamples, seed);
                interval = PairedTests.IntervalOfSorted(means, 0.95);
                p = PairedTests.BootstrapPValue(means);
            }
            return new Paired(name, type, n, examples, baselineMean, candidateMean, difference, interval, p,
                StandardErrorOf(sums, counts), passFail ? VerdictBasis.PassRate : VerdictBasis.MeanScore, baselineOnly, candidateOnly);
        }

        /// <summary>
        /// Standard error of the mean difference from the spread of per-example mean differences. The spread is at least
        /// the differences' second moment about zero (their spread if there were no true difference), so a few examples
        /// that all moved the same way do not claim a detectable effect of zero.
        /// </summary>
        private static double StandardErrorOf(List<double> sums, List<int> counts)
        {
            var k = counts.Count;
            var means = sums.Select((s, i) => s / counts[i]).ToArray();
            var average = means.Average();
            var variance = Math.Max(means.Sum(d => (d - average) * (d - average)) / (k - 1), means.Sum(d => d * d) / k);
            return Math.Sqrt(variance / k);
        }

        public EvaluatorVerdict Verdict(double adjusted, SuiteVerdictOptions options, double zSum)
        {
            var mde = StandardError is { } se ? zSum * se : (double?)null;
            SuiteVerdict verdict;
            string reason;
            if (Interval is not { } interval)
            {
                verdict = SuiteVerdict.Inconclusive;
                reason = $"only {Examples} example(s) scored on both sides; at least 2 are needed";
            }
            else
            {
                var measure = Basis == VerdictBasis.PassRate ? "pass rate" : "mean score";
                var described = $"{measure} {F(BaselineMean!.Value)} -> {F(CandidateMean!.Value)} ({Signed(Difference!.Value)}, 95% CI [{Signed(interval.Lower)}, {Signed(interval.Upper)}]), " +
                    $"p = {P(PValue)}, Holm-adjusted {P(adjusted)}";
                var significant = adjusted <= options.Alpha;
                var worse = Basis == VerdictBasis.PassRate ? BaselineOnly > CandidateOnly : Difference < 0;
                var better = Basis == VerdictBasis.PassRate ? CandidateOnly > BaselineOnly : Difference > 0;
                if (significant && worse)
                {
                    verdict = SuiteVerdict.Regressed;
                    reason = $"{described}: significantly worse";
                }
                else if (significant && better)
                {
                    verdict = SuiteVerdict.Improved;
                    reason = $"{described}: significantly better";
                }
                else if (interval.Lower > -options.Margin)
                {
                    verdict = SuiteVerdict.NonInferior;
                    reason = $"{described}: the interval's lower bound is above -{F(options.Margin)}";
                }
                else
                {
                    verdict = SuiteVerdict.Inconclusive;
                    reason = $"{described}: a loss larger than the margin {F(options.Margin)} is not ruled out; " +
                        $"at {Examples} examples only a difference of about {F(mde ?? double.NaN)} would be detected reliably";
                }
            }
            return new EvaluatorVerdict(Name, Type, verdict, Basis, Pairs, Examples, BaselineMean, CandidateMean, Difference, Interval, PValue, adjusted, mde, reason);
        }

        private static EvaluatorOutcome? Find(ExperimentRow row, string name)
        {
            foreach (var outcome in row.Evaluations)
                if (string.Equals(outcome.Name, name, StringComparison.Ordinal)) return outcome;
            return null;
        }
    }

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Signed(double value) => value.ToString("+0.###;-0.###;0", CultureInfo.InvariantCulture);

    private static string P(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
