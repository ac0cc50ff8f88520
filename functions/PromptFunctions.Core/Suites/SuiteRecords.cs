using System.Security.Cryptography;
using System.Text;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Suites;

namespace PromptFunctions.Core.Suites;

public static class SuiteRunStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static bool IsFinal(string status) => status is Completed or Failed;
}

public static class SuiteRunTriggers
{
    public const string Manual = "manual";
    public const string Schedule = "schedule";
}

/// <summary>A stored suite; <see cref="Definition"/> has every default filled in.</summary>
/// <param name="ETag">The content hash of the definition, unquoted.</param>
public sealed record SuiteRecord(string Name, SuiteDefinition Definition, string ETag, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset UpdatedAt, string UpdatedBy)
{
    internal static SuiteRecord From(SuiteEntity e) =>
        new(e.PartitionKey, ContractsJson.Deserialize<SuiteDefinition>(Encoding.UTF8.GetBytes(e.DefinitionJson))!, e.Hash, e.CreatedAt, e.CreatedBy, e.UpdatedAt, e.UpdatedBy);
}

/// <summary>Where a suite's schedule stands; see <see cref="SuiteScheduleEntity"/>.</summary>
public sealed record SuiteScheduleState(string Suite, string Cron, string TimeZone, bool Enabled, DateTimeOffset Watermark);

/// <summary>A suite run as the API, the orchestration and the scheduler see it.</summary>
public sealed record SuiteRunRecord(
    string Id,
    string Suite,
    string Status,
    string Trigger,
    DateTimeOffset? ScheduledFor,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? CompletedAt,
    SuiteDefinition Definition,
    string? PromptVersionId,
    long? PromptSequence,
    string? DatasetVersionId,
    long? Examples,
    SuiteRunModel? Baseline,
    IReadOnlyList<SuiteRunModel> Candidates,
    string? Verdict,
    SuiteRunReport? Report,
    string? Error,
    SuiteRunOptimization? Optimization = null);

/// <summary>The definition's canonical bytes and the entity tag derived from them.</summary>
public static class SuiteDefinitions
{
    public const string DefaultPromptTag = "production";
    public const double DefaultMargin = 0.02;

    public static byte[] Serialize(SuiteDefinition definition) => ContractsJson.Serialize(definition);

    /// <summary>The first 128 bits of the SHA-256 of the normalized definition, as hex: equal content, equal tag.</summary>
    public static string Hash(byte[] definitionJson) => Convert.ToHexStringLower(SHA256.HashData(definitionJson))[..32];
}
