using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;
namespace PromptFunctions.Core.Prompts;

/// <summary>Who created a version, when, why, and where it came from. Immutable like the content it describes.</summary>
/// <param name="Optimization">Set when an optimization run proposed the version (see docs/optimization.md).</param>
public sealed record VersionRecord(
    string Prompt,
    string Id,
    long Sequence,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string? Message,
    string? Parent,
    string? ExperimentId,
    VersionLineage? Optimization = null);

/// <summary>
/// Which optimization run proposed a version, in which round, why the optimizer changed it, and the validation
/// comparison that let it through. Part of the version's record, never of its content, so it does not change the id.
/// </summary>
public sealed record VersionLineage(string OptimizationId, int Round, string? Rationale, string? Comparison)
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The form the version rows store (one column, copied with the record into tag and latest rows).</summary>
    public static string? ToJson(VersionLineage? lineage) => lineage is null ? null : System.Text.Json.JsonSerializer.Serialize(lineage, Json);

    public static VersionLineage? FromJson(string? json) => json is null ? null : System.Text.Json.JsonSerializer.Deserialize<VersionLineage>(json, Json);
}

public sealed record PromptRecord(
    string Name,
    string? Description,
    string? MetadataJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long VersionCount,
    VersionRecord? Latest);

/// <summary>A tag that currently points at <see cref="Target"/>.</summary>
public sealed record TagRecord(string Prompt, string Name, VersionRecord Target, DateTimeOffset UpdatedAt, string UpdatedBy);

public static class TagActions
{
    public const string Create = "create";
    public const string Move = "move";
    public const string Delete = "delete";
    public const string Rollback = "rollback";
}

/// <summary>One change of a tag, written in the same transaction as the change itself.</summary>
public sealed record TagHistoryEntry(
    string Prompt,
    string Tag,
    long Number,
    string Action,
    string? FromVersion,
    long? FromSequence,
    string? ToVersion,
    long? ToSequence,
    string Actor,
    DateTimeOffset At,
    string? Reason);
