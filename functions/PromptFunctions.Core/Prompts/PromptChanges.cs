namespace PromptFunctions.Core.Prompts;

/// <summary>
/// A committed change of a prompt, as <see cref="PromptService"/> reports it: after the storage write succeeded,
/// the service drops what the caches held about it and hands the change to every <see cref="IPromptChangeListener"/>.
/// This is the one place where prompt changes become visible to the rest of the system (events, audit).
/// </summary>
/// <param name="Actor">The name of the key (or system component) that made the change.</param>
public abstract record PromptChange(string Prompt, string Actor, DateTimeOffset At)
{
    public sealed record VersionCreated(VersionRecord Version) : PromptChange(Version.Prompt, Version.CreatedBy, Version.CreatedAt);

    public sealed record PromptUpdated(PromptRecord Record, string By, DateTimeOffset When) : PromptChange(Record.Name, By, When);

    /// <summary>A tag was created, moved, rolled back or deleted; <see cref="Entry"/> says which and from where to where.</summary>
    public sealed record TagChanged(TagHistoryEntry Entry) : PromptChange(Entry.Prompt, Entry.Actor, Entry.At);

    /// <param name="PromptWentWithIt">It was the only version, so the prompt was deleted too.</param>
    public sealed record VersionDeleted(VersionRecord Version, bool PromptWentWithIt, string By, DateTimeOffset When) : PromptChange(Version.Prompt, By, When);

    public sealed record PromptDeleted(string Name, string By, DateTimeOffset When) : PromptChange(Name, By, When);
}

/// <summary>Told of every committed prompt change, in order, on the writing request's path; must not throw or block for long.</summary>
public interface IPromptChangeListener
{
    ValueTask OnChangedAsync(PromptChange change, CancellationToken cancellationToken);
}
