using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Prompts;

/// <summary>A version to save, with where it came from.</summary>
/// <param name="Parent">The id of the version it was derived from; must exist in the same prompt.</param>
/// <param name="PromptDescription">Used only when this version creates the prompt.</param>
/// <param name="PromptMetadataJson">Used only when this version creates the prompt.</param>
public sealed record NewVersion(
    string Prompt,
    PromptVersionContent Content,
    string? Message = null,
    string? Parent = null,
    string? ExperimentId = null,
    string? PromptDescription = null,
    string? PromptMetadataJson = null,
    VersionLineage? Optimization = null);

/// <summary>A change of a prompt's own fields: null leaves a field as it is.</summary>
public sealed record PromptUpdate(string? Description = null, string? MetadataJson = null, bool ClearDescription = false);

/// <summary>
/// The only code that changes prompts: every API (native, Phoenix, Langfuse, experiment promotion) saves versions,
/// moves, deletes and rolls back tags, and deletes versions and prompts through here. The storage writes are this
/// class's private members (its partial files: versions, tags, deletion), so nothing else can reach them. After
/// each committed write it applies the protected-tag rule's consequences, drops what the caches held about the
/// change, and tells the <see cref="IPromptChangeListener"/>s.
/// </summary>
public sealed partial class PromptService(
    StorageClients storage,
    PromptReader reader,
    PromptCatalog catalog,
    IOptions<PromptHubOptions> options,
    TimeProvider clock,
    IEnumerable<IPromptChangeListener> listeners,
    ILogger<PromptService> logger)
{
    private readonly IPromptChangeListener[] _listeners = listeners.ToArray();

    /// <summary>Tags listed in <c>PromptHub:ProtectedTags</c> move, disappear or roll back only with the <c>promote</c> role.</summary>
    public bool MayChangeTag(ApiPrincipal principal, string tag) =>
        !options.Value.ProtectedTags.Contains(tag, StringComparer.Ordinal) || principal.Has(ApiRoles.Promote);

    /// <summary>403 unless <paramref name="principal"/> may move or delete <paramref name="tag"/>.</summary>
    public void RequireMayChangeTag(ApiPrincipal principal, string tag)
    {
        if (!MayChangeTag(principal, tag))
            throw ProblemException.Forbidden($"Tag '{tag}' is protected; moving or deleting it needs a key with the 'promote' role, and key '{principal.Name}' lacks it.");
    }

    /// <summary>
    /// Stores the version (or finds the identical one) and points each of <paramref name="tags"/> at it. Every tag's
    /// protection is checked before anything is written.
    /// </summary>
    /// <exception cref="ProblemException">403: a tag is protected and <paramref name="actor"/> may not move it.</exception>
    public async Task<PublishOutcome> PublishAsync(NewVersion version, IReadOnlyList<string> tags, ApiPrincipal actor, string? tagReason, CancellationToken cancellationToken)
    {
        foreach (var tag in tags) RequireMayChangeTag(actor, tag);
        RequireFitsRow(version.PromptMetadataJson, version.PromptDescription);
        var canonical = PromptVersionJson.ToCanonicalBytes(version.Content);
        var id = CanonicalJson.Sha256Hex(canonical);
        var created = await CreateVersionAsync(version, id, canonical, actor.Name, cancellationToken);
        if (created is not PublishOutcome.Published { Version: var record, Created: var isNew }) return created;
        if (isNew) await AnnounceAsync(new PromptChange.VersionCreated(record), cancellationToken);

        var moves = new List<TagMove>(tags.Count);
        foreach (var tag in tags)
        {
            var outcome = await ChangeTagAsync(record.Prompt, tag, record.Id, TagPrecondition.None, actor.Name, tagReason ?? version.Message ?? "set on version create", null, cancellationToken);
            moves.Add(new TagMove(tag, outcome));
        }
        return new PublishOutcome.Published(record, isNew, moves);
    }

    public async Task<UpdatePromptOutcome> UpdatePromptAsync(string prompt, PromptUpdate update, ApiPrincipal actor, CancellationToken cancellationToken)
    {
        RequireFitsRow(update.MetadataJson, update.Description);
        var outcome = await UpdatePromptRowAsync(prompt, update, cancellationToken);
        if (outcome is UpdatePromptOutcome.Updated updated)
            await AnnounceAsync(new PromptChange.PromptUpdated(updated.Prompt, actor.Name, updated.Prompt.UpdatedAt), cancellationToken);
        return outcome;
    }

    /// <summary>
    /// The last check before the prompt row: every API bounds what it accepts, and this keeps a value the row cannot
    /// hold from reaching storage through one that forgot (it would answer 400, and the request a 500).
    /// </summary>
    /// <exception cref="ProblemException">422: the metadata or description is longer than a table property holds.</exception>
    private static void RequireFitsRow(string? metadataJson, string? description)
    {
        if (!TableLimits.FitsInline(metadataJson))
            throw new ProblemException(422, "Too large", $"The prompt's metadata takes {metadataJson!.Length} characters as stored JSON; at most {TableLimits.MaxInlineChars} fit.");
        if (!TableLimits.FitsInline(description))
            throw new ProblemException(422, "Too large", $"The prompt's description has {description!.Length} characters; at most {TableLimits.MaxInlineChars} fit.");
    }

    /// <summary>Points <paramref name="tag"/> at <paramref name="versionId"/> if <paramref name="precondition"/> holds, with its history entry.</summary>
    /// <exception cref="ProblemException">403: the tag is protected.</exception>
    public async Task<TagChangeOutcome> MoveTagAsync(string prompt, string tag, string versionId, TagPrecondition precondition, ApiPrincipal actor, string? reason,
        CancellationToken cancellationToken)
    {
        RequireMayChangeTag(actor, tag);
        PromptReader.EnsureKeys(prompt, tag);
        if (!Identifiers.IsVersionId(versionId)) return new TagChangeOutcome.VersionNotFound(versionId);
        return await ChangeTagAsync(prompt, tag, versionId, precondition, actor.Name, reason, null, cancellationToken);
    }

    /// <exception cref="ProblemException">403: the tag is protected.</exception>
    public Task<TagChangeOutcome> DeleteTagAsync(string prompt, string tag, TagPrecondition precondition, ApiPrincipal actor, string? reason, CancellationToken cancellationToken)
    {
        RequireMayChangeTag(actor, tag);
        PromptReader.EnsureKeys(prompt, tag);
        return ChangeTagAsync(prompt, tag, null, precondition, actor.Name, reason, TagActions.Delete, cancellationToken);
    }

    /// <summary>
    /// Moves the tag back to the target it had before its latest change (which may itself have been a rollback,
    /// so rolling back twice returns to where it started). A deleted tag is restored to its last target.
    /// </summary>
    /// <exception cref="ProblemException">403: the tag is protected.</exception>
    public Task<TagChangeOutcome> RollbackTagAsync(string prompt, string tag, ApiPrincipal actor, string? reason, CancellationToken cancellationToken)
    {
        RequireMayChangeTag(actor, tag);
        PromptReader.EnsureKeys(prompt, tag);
        return RollBackAsync(prompt, tag, actor.Name, reason, cancellationToken);
    }

    /// <summary>
    /// Deletes one version and every tag on it (each with a history entry). Deleting the only version deletes the
    /// prompt. Tags on the version go with it, so protected ones need the <c>promote</c> role.
    /// </summary>
    /// <exception cref="ProblemException">403: a tag on the version is protected.</exception>
    public async Task<DeleteVersionOutcome> DeleteVersionAsync(string prompt, string versionId, ApiPrincipal actor, string? reason, CancellationToken cancellationToken)
    {
        PromptReader.EnsureKeys(prompt);
        var outcome = await RemoveVersionAsync(prompt, versionId, actor, reason, cancellationToken);
        if (outcome is DeleteVersionOutcome.Deleted deleted)
        {
            var now = clock.GetUtcNow();
            foreach (var entry in deleted.RemovedTags) await AnnounceAsync(new PromptChange.TagChanged(entry), cancellationToken);
            await AnnounceAsync(new PromptChange.VersionDeleted(deleted.Version, deleted.PromptDeleted, actor.Name, now), cancellationToken);
        }
        return outcome;
    }

    /// <summary>Deletes the prompt with its versions, tags and history. Its tags go with it, so protected ones need the <c>promote</c> role.</summary>
    /// <exception cref="ProblemException">403: a tag of the prompt is protected.</exception>
    public async Task<DeletePromptOutcome> DeletePromptAsync(string prompt, ApiPrincipal actor, CancellationToken cancellationToken)
    {
        PromptReader.EnsureKeys(prompt);
        var outcome = await RemovePromptAsync(prompt, actor, cancellationToken);
        if (outcome is DeletePromptOutcome.Deleted) await AnnounceAsync(new PromptChange.PromptDeleted(prompt, actor.Name, clock.GetUtcNow()), cancellationToken);
        return outcome;
    }

    private async Task<TagChangeOutcome> ChangeTagAsync(string prompt, string tag, string? targetId, TagPrecondition precondition, string actor, string? reason,
        string? action, CancellationToken cancellationToken)
    {
        var outcome = await WriteTagAsync(prompt, tag, targetId, precondition, actor, reason, action, cancellationToken);
        if (outcome is TagChangeOutcome.Changed changed) await AnnounceAsync(new PromptChange.TagChanged(changed.Entry), cancellationToken);
        return outcome;
    }

    private async Task AnnounceAsync(PromptChange change, CancellationToken cancellationToken)
    {
        catalog.Forget(change);
        foreach (var listener in _listeners)
        {
            try
            {
                await listener.OnChangedAsync(change, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The write is committed; a listener's failure must not turn it into an error for the caller.
                LogListenerFailed(logger, e, listener.GetType().Name, change.GetType().Name, change.Prompt);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Prompt change listener {Listener} failed on {Change} of '{Prompt}'")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception, string listener, string change, string prompt);
}
