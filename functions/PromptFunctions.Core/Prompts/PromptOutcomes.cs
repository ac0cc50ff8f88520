namespace PromptFunctions.Core.Prompts;

// Storage conditions (ETags, create-only rows) surface here as domain results, never as exceptions. Every write
// can end in Busy: the rows kept changing under it until the optimistic attempts ran out (the API answers 503).

/// <summary>What saving a version (and moving the requested tags onto it) did.</summary>
public abstract record PublishOutcome
{
    /// <param name="Created">False when identical content already existed and was reused.</param>
    /// <param name="Tags">Each requested tag and what moving it did.</param>
    public sealed record Published(VersionRecord Version, bool Created, IReadOnlyList<TagMove> Tags) : PublishOutcome;

    public sealed record ParentNotFound(string Parent) : PublishOutcome;

    public sealed record Busy : PublishOutcome;
}

/// <param name="Outcome">What the move did: <see cref="TagChangeOutcome.Changed"/> or <see cref="TagChangeOutcome.Unchanged"/> normally.</param>
public sealed record TagMove(string Tag, TagChangeOutcome Outcome)
{
    public bool Changed => Outcome is TagChangeOutcome.Changed;
}

/// <summary>What changing a prompt's description or metadata did.</summary>
public abstract record UpdatePromptOutcome
{
    public sealed record Updated(PromptRecord Prompt) : UpdatePromptOutcome;

    public sealed record NotFound : UpdatePromptOutcome;

    public sealed record Busy : UpdatePromptOutcome;
}

/// <summary>What deleting a whole prompt did.</summary>
public abstract record DeletePromptOutcome
{
    public sealed record Deleted : DeletePromptOutcome;

    public sealed record NotFound : DeletePromptOutcome;

    public sealed record Busy : DeletePromptOutcome;
}

/// <summary>What deleting one version did.</summary>
public abstract record DeleteVersionOutcome
{
    /// <param name="RemovedTags">The history entry of each tag that pointed at the version and was deleted with it.</param>
    /// <param name="PromptDeleted">It was the prompt's only version, so the prompt is gone too.</param>
    public sealed record Deleted(VersionRecord Version, IReadOnlyList<TagHistoryEntry> RemovedTags, bool PromptDeleted) : DeleteVersionOutcome;

    public sealed record NotFound : DeleteVersionOutcome;

    public sealed record Busy : DeleteVersionOutcome;
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

    public sealed record Busy : TagChangeOutcome;
}

/// <summary>The caller's expectation of a tag's current target, from an <c>If-Match</c> header.</summary>
public abstract record TagPrecondition
{
    public static readonly TagPrecondition None = new NoneCondition();
    public static readonly TagPrecondition Exists = new ExistsCondition();

    public static TagPrecondition PointsAt(params string[] versionIds) => new PointsAtCondition(versionIds);

    public sealed record NoneCondition : TagPrecondition;

    public sealed record ExistsCondition : TagPrecondition;

    /// <summary>
    /// Holds when the tag points at any of <paramref name="VersionIds"/> (an If-Match list): each a version id, or the
    /// entity tag of a version's responses (<c>{id}.{sequence}</c>), which names the record too.
    /// </summary>
    public sealed record PointsAtCondition(IReadOnlyCollection<string> VersionIds) : TagPrecondition;

    /// <summary>Holds when the tag row is exactly as it was read: the same target and history length (rollback's own check).</summary>
    internal sealed record ExactState(string? VersionId, long HistoryCount) : TagPrecondition;

    internal bool HoldsFor(TagEntity? current) => this switch
    {
        NoneCondition => true,
        ExistsCondition => current?.VersionId is not null,
        PointsAtCondition p => current?.VersionId is { } id && p.VersionIds.Any(v => v == id || v == VersionDocument.EntityTagOf(id, current.Sequence ?? 0)),
        ExactState exact => current is not null && current.VersionId == exact.VersionId && current.HistoryCount == exact.HistoryCount,
        _ => false,
    };
}
