using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;
namespace PromptFunctions.Core.Prompts;

/// <summary>What creating a version did; storage conditions surface here as domain results, never as exceptions.</summary>
public abstract record CreateVersionOutcome
{
    public sealed record Created(VersionRecord Version) : CreateVersionOutcome;

    /// <summary>Identical content already existed under this prompt; nothing was written.</summary>
    public sealed record AlreadyExists(VersionRecord Version) : CreateVersionOutcome;

    public sealed record ParentNotFound(string Parent) : CreateVersionOutcome;
}

/// <summary>What deleting one version did.</summary>
public abstract record DeleteVersionOutcome
{
    /// <param name="RemovedTags">The history entry of each tag that pointed at the version and was deleted with it.</param>
    /// <param name="PromptDeleted">It was the prompt's only version, so the prompt is gone too.</param>
    public sealed record Deleted(VersionRecord Version, IReadOnlyList<TagHistoryEntry> RemovedTags, bool PromptDeleted) : DeleteVersionOutcome;

    public sealed record NotFound : DeleteVersionOutcome;
}

/// <summary>What a tag change (move, delete, rollback) did.</summary>
public abstract record TagChangeOutcome
{
    /// <param name="Tag">The tag after the change; null after a delete.</param>
    public sealed record Changed(TagRecord? Tag, TagHistoryEntry Entry) : TagChangeOutcome;

    /// <summary>The tag already pointed at the requested version; no history entry was written.</summary>
    public sealed record Unchanged(TagRecord Tag) : TagChangeOutcome;

    /// <summary>The caller's precondition (If-Match) did not hold; <paramref name="CurrentVersion"/> is what the tag points at now.</summary>
    public sealed record PreconditionFailed(string? CurrentVersion) : TagChangeOutcome;

    public sealed record TagNotFound : TagChangeOutcome;

    public sealed record VersionNotFound(string Version) : TagChangeOutcome;

    /// <summary>Rollback found no earlier target in the tag's history.</summary>
    public sealed record NothingToRollBack(string Reason) : TagChangeOutcome;
}

/// <summary>The caller's expectation of a tag's current target, from an <c>If-Match</c> header.</summary>
public abstract record TagPrecondition
{
    public static readonly TagPrecondition None = new NoneCondition();
    public static readonly TagPrecondition Exists = new ExistsCondition();

    public static TagPrecondition PointsAt(params string[] versionIds) => new PointsAtCondition(versionIds);

    public sealed record NoneCondition : TagPrecondition;

    public sealed record ExistsCondition : TagPrecondition;

    /// <summary>Holds when the tag points at any of <paramref name="VersionIds"/> (an If-Match list).</summary>
    public sealed record PointsAtCondition(IReadOnlyCollection<string> VersionIds) : TagPrecondition;

    public bool HoldsFor(string? currentVersion) => this switch
    {
        NoneCondition => true,
        ExistsCondition => currentVersion is not null,
        PointsAtCondition p => currentVersion is not null && p.VersionIds.Contains(currentVersion),
        _ => false,
    };
}
