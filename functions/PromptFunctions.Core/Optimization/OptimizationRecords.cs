using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace PromptFunctions.Core.Optimization;

public static class OptimizationStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly string[] Active = [Queued, Running];
}

/// <summary>Why a run stopped.</summary>
public static class StopReasons
{
    /// <summary>The current version fails no training example, or passes every validation example: nothing is left to learn.</summary>
    public const string Success = "success";
    public const string MaxRounds = "max_rounds";
    public const string MaxModelCalls = "max_model_calls";
    public const string MaxCost = "max_cost";
}

/// <summary>What a completed run produced.</summary>
public static class OptimizationOutcomes
{
    /// <summary>A candidate won on validation (and held on the guard set); it was saved and the target tag moved to it.</summary>
    public const string Improved = "improved";
    public const string NoImprovement = "no_improvement";
}

/// <summary>Candidate statuses in a round record (see the contract's <c>OptimizationCandidate</c>).</summary>
public static class CandidateStatus
{
    public const string Rejected = "rejected";
    public const string ScreenedOut = "screened_out";
    public const string NotBetter = "not_better";
    public const string GuardRegressed = "guard_regressed";
    public const string Outscored = "outscored";
    public const string Accepted = "accepted";
    public const string NotEvaluated = "not_evaluated";
    public const string Proposed = "proposed";
}

public static class OptimizationIds
{
    public static bool IsValid(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// The run id an idempotency key (a webhook-id, a suite run) always maps to, so a repeated start finds the run
    /// the first one created instead of starting another.
    /// </summary>
    public static string ForKey(string idempotencyKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("optimization\n" + idempotencyKey)))[..32];
}

/// <summary>What a run optimizes, fixed when it starts; stored beside the run as <c>{id}/spec.json</c>.</summary>
/// <param name="PromptVersionId">The content id of the starting version, the parent of whatever the run saves.</param>
/// <param name="Seed">Seeds the validation split (for a fraction), the failure samples and the bootstrap.</param>
public sealed record OptimizationSpec(
    string PromptName,
    string PromptVersionId,
    long PromptSequence,
    string? PromptTag,
    string DatasetName,
    string DatasetVersionId,
    string? ValidationSplit,
    double? ValidationFraction,
    int Seed,
    int TrainCount,
    int ValidationCount,
    string? GuardName,
    string? GuardVersionId,
    string? GuardSplit,
    int GuardCount,
    string Connection,
    string Model,
    JsonObject InvocationParameters,
    JsonArray Evaluators,
    string OptimizerConnection,
    string? OptimizerModel,
    string TargetTag,
    int CandidatesPerRound,
    int MaxRounds,
    long MaxModelCalls,
    double? MaxCost,
    IReadOnlyDictionary<string, string> Feedback);

/// <summary>A run's mutable state as stored: status, spend, result. What it optimizes is its <see cref="OptimizationSpec"/>.</summary>
/// <param name="CheckpointJson">The orchestration state after the last recorded round, for resuming on an engine that lost it.</param>
/// <param name="ReviewJson">A person's decision on the proposed version (the contract's <c>OptimizationReview</c>); null while pending.</param>
public sealed record OptimizationRecord(
    string Id,
    string? IdempotencyKey,
    string Status,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? Error,
    string? Outcome,
    string? StopReason,
    string? MetaPromptVersionId,
    string? OptimizerModel,
    int RoundsCompleted,
    long CallsSpent,
    double CostSpent,
    string? CheckpointJson,
    string? ResultJson,
    string? ComparisonJson,
    string? ReviewJson = null);

/// <summary>What a status change did.</summary>
public abstract record OptimizationTransition
{
    public sealed record Changed(OptimizationRecord Record) : OptimizationTransition;

    public sealed record NotFound : OptimizationTransition;

    public sealed record WrongStatus(string Status) : OptimizationTransition;

    public sealed record Busy : OptimizationTransition;
}

/// <summary>What recording a decision on a run's proposal did.</summary>
public abstract record OptimizationReviewOutcome
{
    public sealed record Recorded(OptimizationRecord Record) : OptimizationReviewOutcome;

    /// <summary>Someone decided first; <paramref name="Record"/> holds their decision.</summary>
    public sealed record AlreadyReviewed(OptimizationRecord Record) : OptimizationReviewOutcome;

    public sealed record NotFound : OptimizationReviewOutcome;

    public sealed record Busy : OptimizationReviewOutcome;
}

/// <summary>What creating a run did.</summary>
public abstract record OptimizationCreation
{
    public sealed record Created(OptimizationRecord Record) : OptimizationCreation;

    /// <summary>A run with this id (the same idempotency key) already exists.</summary>
    public sealed record Exists(OptimizationRecord Record) : OptimizationCreation;

    public sealed record Busy : OptimizationCreation;
}

/// <summary>One example's result for one version, as the run stores it.</summary>
/// <param name="Calls">Model calls the row made (task and judges).</param>
/// <param name="Step">The step of the run that produced the row; a step counts the spend of its own rows once.</param>
public sealed record EvaluationRow(
    string ExampleId,
    long Index,
    string? Output,
    string ScoresJson,
    string? Error,
    double LatencyMs,
    long InputTokens,
    long OutputTokens,
    long Calls,
    double Cost,
    string Step);
