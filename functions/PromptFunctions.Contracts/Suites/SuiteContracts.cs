using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PromptFunctions.Contracts.Suites;

/// <summary>The prompt a suite tests: the version a tag points at when the run starts (default tag <c>production</c>).</summary>
public sealed record SuitePromptReference(string Name, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Tag = null);

/// <summary>
/// The examples a suite runs on: a fixed <c>version</c> (id or <c>v{n}</c>), or the latest version when the run
/// starts (no version, or <c>tag: "latest"</c>); optionally one split.
/// </summary>
public sealed record SuiteDatasetReference(
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Version = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Tag = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Split = null);

/// <summary>A model to run the prompt with: a configured connection, a model name (default the prompt's own) and parameter overrides.</summary>
public sealed record SuiteModelReference(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Connection = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Model = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? InvocationParameters = null);

/// <summary>When a suite runs by itself: a five-field CRON expression in an IANA (or Windows) time zone, default UTC.</summary>
public sealed record SuiteSchedule(string Cron, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TimeZone = null);

/// <summary>The body of <c>PUT /api/suites/{name}</c>; omitted members take their defaults.</summary>
/// <param name="Evaluators">Evaluator specs, exactly as experiments take them.</param>
/// <param name="Baseline">Default: the configured default connection with the prompt's own model and parameters.</param>
/// <param name="Margin">The non-inferiority margin on each evaluator's mean (default 0.02).</param>
/// <param name="OptimizeOnRegression">
/// When a run's verdict is <c>regressed</c>, start one optimization run with these members of the optimization
/// request (<c>optimizer</c>, <c>budget</c>, <c>validation</c>, and optionally <c>model</c>, <c>target_tag</c>,
/// <c>candidates_per_round</c>, <c>guard</c>); the prompt (the version the run tested), the dataset (the run's version),
/// the evaluators and the task model (the run's baseline) come from the run. Kept as the request's own JSON, checked by
/// the optimization request reader, so the two cannot drift apart.
/// </param>
public sealed record SuiteDefinition(
    SuitePromptReference Prompt,
    SuiteDatasetReference Dataset,
    JsonArray Evaluators,
    IReadOnlyList<SuiteModelReference> Candidates,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SuiteModelReference? Baseline = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Repetitions = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxConcurrency = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Margin = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SuiteSchedule? Schedule = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Enabled = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? OptimizeOnRegression = null);

/// <summary>A stored suite: its normalized definition (every default filled in) and who changed it when.</summary>
/// <param name="Etag">The value of the <c>ETag</c> header, unquoted; send it quoted in <c>If-Match</c>.</param>
/// <param name="NextRunAt">The next scheduled occurrence, when the suite has a schedule and is enabled.</param>
public sealed record SuiteResponse(
    string Name,
    SuitePromptReference Prompt,
    SuiteDatasetReference Dataset,
    JsonArray Evaluators,
    SuiteModelReference? Baseline,
    IReadOnlyList<SuiteModelReference> Candidates,
    int Repetitions,
    int MaxConcurrency,
    double Margin,
    SuiteSchedule? Schedule,
    bool Enabled,
    string Etag,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    DateTimeOffset? NextRunAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? OptimizeOnRegression = null);

/// <summary>The verdict names, worst last: a run's overall verdict is the worst of its candidates' and evaluators'.</summary>
public static class SuiteVerdictNames
{
    public const string Improved = "improved";
    public const string NonInferior = "non_inferior";
    public const string Inconclusive = "inconclusive";
    public const string Regressed = "regressed";
}

/// <summary>One evaluator's verdict for one candidate against the baseline.</summary>
/// <param name="Difference">Candidate minus baseline: the pass rate for pass/fail evaluators, else the mean score.</param>
/// <param name="IntervalLower">Lower bound of the 95 % paired bootstrap interval of <see cref="Difference"/>.</param>
/// <param name="PValue">Exact McNemar (pass/fail) or paired bootstrap (scores), two-sided, before correction.</param>
/// <param name="AdjustedPValue">Holm-adjusted across every evaluator of every candidate of the run.</param>
/// <param name="MinimumDetectableEffect">
/// The smallest true difference this many examples would detect with 80 % power at the strictest Holm level;
/// null below two examples.
/// </param>
public sealed record EvaluatorVerdictResponse(
    string Evaluator,
    string Type,
    string Verdict,
    string Basis,
    int Pairs,
    int Examples,
    double? BaselineMean,
    double? CandidateMean,
    double? Difference,
    double? IntervalLower,
    double? IntervalUpper,
    double PValue,
    double AdjustedPValue,
    double? MinimumDetectableEffect,
    string Reason);

/// <summary>A model the run ran, with the experiment that holds its rows.</summary>
public sealed record SuiteRunModel(string Connection, string Model, JsonObject InvocationParameters, string ExperimentId);

/// <summary>One candidate's verdicts: the worst of its evaluators', and each evaluator's.</summary>
public sealed record CandidateVerdictResponse(int Candidate, SuiteRunModel? Model, string ExperimentId, string Verdict, IReadOnlyList<EvaluatorVerdictResponse> Evaluators);

/// <summary>How one evaluator's mean moved between the previous run's baseline and this run's.</summary>
public sealed record DriftEvaluatorResponse(string Evaluator, double? PreviousMean, double? CurrentMean, double? Difference, double? IntervalLower, double? IntervalUpper, string Change);

/// <summary>
/// Today's baseline against the previous completed run of the same suite with the same prompt version, dataset
/// version, connection, model name and parameters: a provider that changes answers under the same model name
/// shows here.
/// </summary>
public sealed record SuiteDriftResponse(
    bool Compared,
    bool Detected,
    string Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PreviousRun = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PreviousExperimentId = null,
    int Rows = 0,
    int ChangedOutputs = 0,
    double ChangedFraction = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DriftEvaluatorResponse>? Evaluators = null);

/// <summary>The prompt version a run tested: the tag was resolved once, when the run started.</summary>
public sealed record SuiteRunPrompt(string Name, string Tag, string? Version, long? Sequence);

/// <summary>The dataset version a run used, resolved once.</summary>
public sealed record SuiteRunDataset(string Name, string? Version, string? Split, long? Examples);

/// <summary>A suite run: <c>queued</c>, <c>running</c>, <c>completed</c> (with verdicts) or <c>failed</c> (with an error).</summary>
/// <param name="Trigger"><c>manual</c> or <c>schedule</c>.</param>
/// <param name="ScheduledFor">The CRON occurrence a scheduled run stands for.</param>
public sealed record SuiteRunResponse(
    string Id,
    string Suite,
    string Status,
    string Trigger,
    DateTimeOffset? ScheduledFor,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? CompletedAt,
    SuiteRunPrompt Prompt,
    SuiteRunDataset Dataset,
    double Margin,
    SuiteRunModel? Baseline,
    IReadOnlyList<SuiteRunModel> Candidates,
    string? Verdict,
    IReadOnlyList<CandidateVerdictResponse>? Verdicts,
    SuiteDriftResponse? Drift,
    string? Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SuiteRunOptimization? Optimization = null);

/// <summary>What became of a regressed run's <c>optimize_on_regression</c>; see <see cref="SuiteRunOptimizationStatus"/>.</summary>
/// <param name="Id">The optimization run (<c>GET /api/optimizations/{id}</c>) once started.</param>
/// <param name="Error">Why none was started, when the request was refused at start.</param>
public sealed record SuiteRunOptimization(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

public static class SuiteRunOptimizationStatus
{
    /// <summary>The run regressed and asks for an optimization; the next pass of the host's starter starts it.</summary>
    public const string Pending = "pending";
    public const string Started = "started";
    /// <summary>The optimization request was refused when the start was made (say, the dataset grew past the limit); nothing started.</summary>
    public const string Invalid = "invalid";
}

/// <summary>
/// <c>GET /api/suite-verdicts?baseline=&amp;candidate=</c>: suite verdicts for experiments that already ran (what
/// <c>pf gate</c> prints).
/// </summary>
public sealed record GateVerdictResponse(string Verdict, double Margin, string BaselineExperiment, IReadOnlyList<CandidateVerdictResponse> Candidates);

/// <summary>What a completed run found: the verdicts and the drift check (stored with the run, served inside <see cref="SuiteRunResponse"/>).</summary>
public sealed record SuiteRunReport(IReadOnlyList<CandidateVerdictResponse> Verdicts, SuiteDriftResponse? Drift);
