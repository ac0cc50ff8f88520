using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;
namespace PromptFunctions.Core.Prompts;

/// <summary>Who created a version, when, why, and where it came from. Immutable like the content it describes.</summary>
public sealed record VersionRecord(
    string Prompt,
    string Id,
    long Sequence,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string? Message,
    string? Parent,
    string? ExperimentId);

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
