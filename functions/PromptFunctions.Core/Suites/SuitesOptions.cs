using System.ComponentModel.DataAnnotations;

namespace PromptFunctions.Core.Suites;

/// <summary>Regression suites, section <c>Suites</c>.</summary>
public sealed class SuitesOptions
{
    public const string Section = "Suites";

    /// <summary>Suite definitions, their schedule state and the per-suite run index.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string Table { get; set; } = "suites";

    /// <summary>Suite runs by id.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string RunsTable { get; set; } = "suiteruns";

    /// <summary>Verdict and drift reports too large for a table property.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string ReportsContainer { get; set; } = "suite-reports";

    [Range(1, 100)]
    public int MaxCandidates { get; set; } = 10;

    [Range(1, 100)]
    public int MaxEvaluators { get; set; } = 20;

    /// <summary>
    /// Drift is reported when more than this share of the baseline's outputs differ from the previous run's (or
    /// when an evaluator's mean moved significantly).
    /// </summary>
    [Range(0.0, 1.0)]
    public double DriftOutputChangeThreshold { get; set; } = 0.1;

    /// <summary>Bootstrap resamples for verdicts and drift.</summary>
    [Range(2_000, 200_000)]
    public int Resamples { get; set; } = 2_000;

    /// <summary>Whether this host starts scheduled runs (the Functions timer and the local host's background service).</summary>
    public bool SchedulerEnabled { get; set; } = true;

    /// <summary>
    /// A scheduled run whose record exists but whose orchestration never started (the host stopped in between) is
    /// started by a later tick once it is this old.
    /// </summary>
    [Range(1, 1440)]
    public int OrphanedRunMinutes { get; set; } = 5;

    /// <summary>
    /// The local host's pass over pending optimization starts (regressed runs whose suite asks for one) when no run of
    /// this process signalled one; the Functions app makes them on the scheduler's minute tick.
    /// </summary>
    [Range(0.1, 3600)]
    public double OptimizationStartIntervalSeconds { get; set; } = 30;
}
