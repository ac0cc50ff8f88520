using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PromptFunctions.Contracts.Optimization;

/// <summary>
/// The body of <c>POST /api/optimizations</c> and of the signed <c>POST /api/hooks/optimize</c> (docs/optimization.md).
/// Members without a value take their defaults: the task model from the prompt and the default connection,
/// <c>target_tag</c> <c>candidate</c>, <c>candidates_per_round</c> 3, the budget's limits from configuration.
/// </summary>
public sealed record StartOptimizationRequest(
    OptimizationPromptReference Prompt,
    OptimizationDatasetReference Dataset,
    JsonArray Evaluators,
    OptimizerReference Optimizer,
    OptimizationBudget Budget,
    OptimizationValidation Validation)
{
    /// <summary>The task model: <c>{connection?, model?, invocation_parameters?}</c>, as experiments take it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OptimizationModelReference? Model { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TargetTag { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? CandidatesPerRound { get; init; }

    /// <summary>A second dataset that must not get significantly worse.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OptimizationDatasetReference? Guard { get; init; }

    /// <summary>Notes by example id, shown to the optimizer with the example.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Feedback { get; init; }
}

/// <summary>The version to start from: by tag or by version (id or <c>v{n}</c>); the latest when neither is given.</summary>
public sealed record OptimizationPromptReference(string Name)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tag { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; init; }
}

/// <summary>A dataset version (the latest when none is given); a guard may also name a split.</summary>
public sealed record OptimizationDatasetReference(string Name)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Split { get; init; }
}

public sealed record OptimizationModelReference
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Connection { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? InvocationParameters { get; init; }
}

/// <summary>The model that rewrites the template; its model defaults to the meta-prompt's, then the connection's.</summary>
public sealed record OptimizerReference(string Connection)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; init; }
}

/// <summary>Each limit must be positive when given; absent limits take the configured defaults (no cost limit by default).</summary>
public sealed record OptimizationBudget
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxRounds { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? MaxModelCalls { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxCost { get; init; }
}

/// <summary>Held-out examples: the dataset's split named <see cref="Split"/>, or a <see cref="Fraction"/> chosen by a seeded hash of example ids.</summary>
public sealed record OptimizationValidation
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Split { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Fraction { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Seed { get; init; }
}

/// <summary>
/// <c>GET /api/optimizations/{id}</c>: what the run optimizes, how far it is, every round with each candidate and why
/// it was kept or dropped, what it spent, and (once it proposed a version) the result and the final comparison.
/// </summary>
public sealed record OptimizationInfo(
    string Id,
    string Status,
    string? Outcome,
    string? StopReason,
    string? Error,
    OptimizationPromptInfo Prompt,
    OptimizationDataInfo Dataset,
    OptimizationGuardInfo? Guard,
    OptimizationModelInfo Model,
    OptimizerInfo Optimizer,
    JsonNode? Evaluators,
    string TargetTag,
    int CandidatesPerRound,
    OptimizationBudgetInfo Budget,
    OptimizationSpent Spent,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<OptimizationRound> Rounds,
    OptimizationResult? Result,
    OptimizationComparison? Comparison)
{
    /// <summary>Where to poll; set only on the answer to a start.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StatusUrl { get; init; }

    /// <summary>What a person decided about the proposed version (accepted or dismissed); null while nobody has.</summary>
    public OptimizationReview? Review { get; init; }
}

/// <summary>
/// One row of <c>GET /api/optimizations</c>, newest first: enough to find a run and see whether its proposal waits
/// for a decision (<see cref="Result"/> set and <see cref="Review"/> null).
/// </summary>
public sealed record OptimizationSummary(
    string Id,
    string Status,
    string? Outcome,
    string? StopReason,
    string Prompt,
    long PromptSequence,
    string Dataset,
    string TargetTag,
    OptimizationSpent Spent,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    OptimizationResult? Result,
    OptimizationReview? Review);

/// <summary>
/// A person's decision on a run's proposed version: <c>accepted</c> (<see cref="Tag"/> was moved to
/// <see cref="Version"/>) or <c>dismissed</c> (recorded only; tags and versions stay as they are).
/// </summary>
public sealed record OptimizationReview(string Decision, string Version, string? Tag, string By, DateTimeOffset At, string? Reason);

/// <summary>The body of <c>POST /api/optimizations/{id}/accept</c>: the tag to move to the proposed version, and why.</summary>
public sealed record AcceptOptimizationRequest(string Tag)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }
}

/// <summary>The body of <c>POST /api/optimizations/{id}/dismiss</c> (may be empty).</summary>
public sealed record DismissOptimizationRequest
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }
}

/// <summary>The version the run started from.</summary>
public sealed record OptimizationPromptInfo(string Name, string Version, long Sequence, string? Tag);

/// <summary>The dataset version and how it was split.</summary>
public sealed record OptimizationDataInfo(string Name, string Version, string? ValidationSplit, double? ValidationFraction, int Seed, int Train, int Validation);

public sealed record OptimizationGuardInfo(string Name, string Version, string? Split, int Examples);

public sealed record OptimizationModelInfo(string Connection, string Model, JsonNode? InvocationParameters);

/// <summary>The optimizer's connection and model, and the meta-prompt version the run uses (both known once the run has started).</summary>
public sealed record OptimizerInfo(string Connection, string? Model, string MetaPrompt, string? MetaPromptVersion);

public sealed record OptimizationBudgetInfo(int MaxRounds, long MaxModelCalls, double? MaxCost);

/// <summary>Rounds finished, model calls made (task, judges and optimizer) and their cost, as counted by the run.</summary>
public sealed record OptimizationSpent(int Rounds, long ModelCalls, double Cost);

/// <summary>
/// One round: the version it started from (<see cref="Baseline"/>, a content id) and its scores, what the optimizer
/// was shown, each candidate, the one accepted (if any), and the spend after the round.
/// </summary>
/// <param name="StoppedBy">Set when the run stopped during this round (a budget limit, success, cancellation).</param>
public sealed record OptimizationRound(
    int Number,
    string Baseline,
    OptimizationScore? Train,
    OptimizationScore? Validation,
    OptimizerCall? Optimizer,
    IReadOnlyList<OptimizationCandidate> Candidates,
    string? Accepted,
    OptimizationSpent Spent,
    string? StoppedBy);

/// <summary>
/// Scores of one version on one set of examples. <see cref="Passed"/> counts examples every evaluator passed (an
/// error is not a pass); <see cref="Objective"/> is the mean over examples of the mean evaluator score (pass = 1).
/// </summary>
public sealed record OptimizationScore(int Examples, int Passed, double Objective);

/// <param name="ShownExamples">Ids of the training examples the optimizer saw.</param>
public sealed record OptimizerCall(string? MetaPromptVersion, IReadOnlyList<string> ShownExamples, string? Error);

/// <summary>
/// One proposed template. <see cref="Status"/> is <c>rejected</c> (invalid; see <see cref="Reason"/>),
/// <c>screened_out</c>, <c>not_better</c>, <c>guard_regressed</c>, <c>outscored</c>, <c>accepted</c> or
/// <c>not_evaluated</c> (the run stopped first).
/// </summary>
/// <param name="Id">The content id the candidate would have as a version; null when it was rejected.</param>
public sealed record OptimizationCandidate(
    int Index,
    string? Id,
    string Status,
    string Reason,
    string? Rationale,
    JsonNode? Template,
    OptimizationScore? Minibatch,
    OptimizationScore? MinibatchBaseline,
    OptimizationScore? Validation,
    IReadOnlyList<ComparisonEvaluatorVerdict>? ValidationVerdicts,
    OptimizationScore? Guard,
    IReadOnlyList<ComparisonEvaluatorVerdict>? GuardVerdicts);

/// <summary>One evaluator's paired comparison (docs/comparison.md): <c>improved</c>, <c>regressed</c> or <c>no_significant_change</c>.</summary>
public sealed record ComparisonEvaluatorVerdict(string Evaluator, string Verdict, string Basis, string Reason);

/// <summary>The version the run saved and whether <see cref="TargetTag"/> moved onto it.</summary>
/// <param name="Created">False when identical content already existed as this version.</param>
public sealed record OptimizationResult(string Version, long Sequence, bool Created, string TargetTag, bool TagMoved, int Round, string? Rationale);

/// <summary>The saved version against the version the run started from, on validation and (when given) the guard set.</summary>
public sealed record OptimizationComparison(
    string Baseline,
    string Candidate,
    OptimizationScore BaselineValidation,
    OptimizationScore CandidateValidation,
    IReadOnlyList<ComparisonEvaluatorVerdict> Validation,
    IReadOnlyList<ComparisonEvaluatorVerdict>? Guard);
