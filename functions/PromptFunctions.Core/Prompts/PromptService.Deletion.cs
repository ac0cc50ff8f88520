using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;

namespace PromptFunctions.Core.Prompts;

// Deleting versions and prompts. Content blobs stay: they are content-addressed, so posting the same content again
// restores the same id (under a new sequence number, which are never reused).
//
// Deleting a prompt ends its generation (GenerationKeys): one transaction tombstones the prompt row, moves it to the
// next generation and deletes the live tags. From then on every reader and writer looks at the next generation's
// keys, and every writer's transaction includes the prompt row under the ETag it read, so a write that raced the
// delete fails and goes round again on the new state. The old generation's rows are purged afterwards; the purge
// touches only rows of generations that have ended, so it cannot remove what a concurrent create just wrote.
public sealed partial class PromptService
{
    // A version delete writes the prompt row, two version rows and two rows per tag in one transaction of at
    // most 100 actions; tags beyond this many are detached one by one first.
    private const int MaxTagsPerVersionDelete = 45;

    // Ending a generation writes the prompt row and deletes each live tag in one transaction.
    private const int MaxTagsPerGenerationEnd = 99;

    /// <summary>
    /// Ends the prompt's generation (tombstone and live tags in one transaction), then purges the rows of ended
    /// generations. The tombstone stays so that sequence numbers continue if the name is used again.
    /// </summary>
    /// <exception cref="ProblemException">403: a live tag is protected and <paramref name="actor"/> may not remove it.</exception>
    private async Task<DeletePromptOutcome> RemovePromptAsync(string prompt, ApiPrincipal actor, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        long ended = 0;
        var outcome = await OptimisticConcurrency.RunAsync<DeletePromptOutcome>(async _ =>
        {
            var row = await reader.GetPromptEntityAsync(prompt, cancellationToken);
            if (row is null || row.IsDeleted) return OptimisticConcurrency.Finish<DeletePromptOutcome>(new DeletePromptOutcome.NotFound());
            var live = (await reader.TagRowsAsync(prompt, cancellationToken)).Where(t => t.IsLive).ToList();
            foreach (var tag in live) RequireMayChangeTag(actor, tag.Name);
            // Tags detached here are announced with the prompt's deletion, as the ones that go with it are.
            if (await DetachSurplusAsync(prompt, live, MaxTagsPerGenerationEnd, actor.Name, null, cancellationToken) is not null)
                return OptimisticConcurrency.Round<DeletePromptOutcome>.Retry;
            if (await EndGenerationAsync(row, live, actor.Name, null, cancellationToken) is null) return OptimisticConcurrency.Round<DeletePromptOutcome>.Retry;
            ended = row.Generation;
            return OptimisticConcurrency.Finish<DeletePromptOutcome>(new DeletePromptOutcome.Deleted());
        }, () => new DeletePromptOutcome.Busy(), cancellationToken);
        if (outcome is DeletePromptOutcome.Deleted)
        {
            await PurgeEndedGenerationsAsync(prompt, ended);
            await SyncIndexAsync(prompt);
        }
        return outcome;
    }

    /// <summary>
    /// Deletes one version: its records (by id and by sequence) and every tag pointing at it, each tag with a
    /// <see cref="TagActions.Delete"/> history entry, in one entity-group transaction with the prompt row. If it was
    /// the latest version, the newest remaining one becomes latest; if it was the only one, the prompt is deleted
    /// (its generation ends, as in <see cref="RemovePromptAsync"/>).
    /// </summary>
    /// <exception cref="ProblemException">403: a tag on the version is protected and <paramref name="actor"/> may not remove it.</exception>
    private async Task<DeleteVersionOutcome> RemoveVersionAsync(string prompt, string versionId, ApiPrincipal actor, string? reason, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsVersionId(versionId)) return new DeleteVersionOutcome.NotFound();
        await storage.EnsureCreatedAsync();
        var removed = new List<TagHistoryEntry>();
        long ended = 0;
        var outcome = await OptimisticConcurrency.RunAsync<DeleteVersionOutcome>(async _ =>
        {
            var promptRow = await reader.GetPromptEntityAsync(prompt, cancellationToken);
            if (promptRow is null || promptRow.IsDeleted) return OptimisticConcurrency.Finish<DeleteVersionOutcome>(new DeleteVersionOutcome.NotFound());
            var keys = promptRow.Keys;
            var versionRow = await reader.GetEntityAsync<VersionEntity>(prompt, keys.VersionById(versionId), cancellationToken);
            if (versionRow is null) return OptimisticConcurrency.Finish<DeleteVersionOutcome>(new DeleteVersionOutcome.NotFound());
            var record = versionRow.ToRecord();
            var tags = await reader.TagsPointingAtAsync(prompt, versionId, cancellationToken);
            foreach (var tag in tags) RequireMayChangeTag(actor, tag.Name);

            var latest = promptRow.LatestId == versionId ? await NewestVersionOtherThanAsync(prompt, versionId, cancellationToken) : promptRow.Latest();
            if (latest is null)
            {
                // The only version: every live tag points at it, and the prompt goes with it.
                if (await DetachSurplusAsync(prompt, tags, MaxTagsPerGenerationEnd, actor.Name, reason, cancellationToken) is { } early)
                {
                    removed.AddRange(early);
                    return OptimisticConcurrency.Round<DeleteVersionOutcome>.Retry;
                }
                if (await EndGenerationAsync(promptRow, tags, actor.Name, reason, cancellationToken) is not { } gone) return OptimisticConcurrency.Round<DeleteVersionOutcome>.Retry;
                removed.AddRange(gone);
                ended = promptRow.Generation;
                return OptimisticConcurrency.Finish<DeleteVersionOutcome>(new DeleteVersionOutcome.Deleted(record, removed, PromptDeleted: true));
            }
            if (await DetachSurplusAsync(prompt, tags, MaxTagsPerVersionDelete, actor.Name, reason, cancellationToken) is { } detached)
            {
                removed.AddRange(detached);
                return OptimisticConcurrency.Round<DeleteVersionOutcome>.Retry;
            }

            var now = clock.GetUtcNow();
            promptRow.PointLatestAt(latest);
            promptRow.UpdatedAt = now;
            promptRow.LiveVersionCount = promptRow.Versions - 1;
            var actions = new List<TableTransactionAction>(3 + tags.Count * 2)
            {
                new(TableTransactionActionType.UpdateReplace, promptRow, promptRow.ETag),
                new(TableTransactionActionType.Delete, new TableEntity(prompt, keys.VersionBySequence(record.Sequence)), ETag.All),
                new(TableTransactionActionType.Delete, versionRow, versionRow.ETag),
            };
            var entries = new List<TagHistoryEntity>(tags.Count);
            foreach (var tag in tags)
            {
                var history = Detach(tag, keys, actor.Name, reason, now);
                entries.Add(history);
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, tag, tag.ETag));
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, history));
            }
            try
            {
                await storage.Prompts.SubmitTransactionAsync(actions, cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // The version went away after we read it: start over, and answer NotFound if it is gone for good.
                return OptimisticConcurrency.Round<DeleteVersionOutcome>.Retry;
            }
            removed.AddRange(entries.Select(h => h.ToEntry()));
            return OptimisticConcurrency.Finish<DeleteVersionOutcome>(new DeleteVersionOutcome.Deleted(record, removed, PromptDeleted: false));
        }, () => new DeleteVersionOutcome.Busy(), cancellationToken);

        if (outcome is DeleteVersionOutcome.Deleted { PromptDeleted: true }) await PurgeEndedGenerationsAsync(prompt, ended);
        if (outcome is DeleteVersionOutcome.Deleted) await SyncIndexAsync(prompt);
        return outcome;
    }

    /// <summary>
    /// When <paramref name="tags"/> are more than one transaction takes, deletes the surplus one by one (each with
    /// its history entry) and answers their entries, so the caller starts its round over; null when they fit.
    /// </summary>
    private async Task<List<TagHistoryEntry>?> DetachSurplusAsync(string prompt, List<TagEntity> tags, int fit, string actor, string? reason, CancellationToken cancellationToken)
    {
        if (tags.Count <= fit) return null;
        var entries = new List<TagHistoryEntry>();
        foreach (var surplus in tags.Skip(fit))
        {
            if (await WriteTagAsync(prompt, surplus.Name, null, TagPrecondition.PointsAt(surplus.VersionId!), actor, reason, TagActions.Delete, cancellationToken) is TagChangeOutcome.Changed changed)
                entries.Add(changed.Entry);
        }
        return entries;
    }

    /// <summary>
    /// Tombstones <paramref name="row"/>, moves it to the next generation and deletes <paramref name="liveTags"/>,
    /// in one transaction under the ETags read. Answers a delete entry per tag for the listeners (none is stored,
    /// since the history of an ended generation is purged with it), or null when a tag was already gone.
    /// </summary>
    private async Task<List<TagHistoryEntry>?> EndGenerationAsync(PromptEntity row, List<TagEntity> liveTags, string actor, string? reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        row.DeletedAt = now;
        row.UpdatedAt = now;
        row.PointLatestAt(null);
        row.LiveVersionCount = 0;
        row.Generation++;
        var actions = new List<TableTransactionAction>(1 + liveTags.Count) { new(TableTransactionActionType.UpdateReplace, row, row.ETag) };
        actions.AddRange(liveTags.Select(tag => new TableTransactionAction(TableTransactionActionType.Delete, tag, tag.ETag)));
        // A conflict (412 on the prompt row or a tag) sends the caller round again, as does a tag deleted meanwhile.
        try
        {
            await storage.Prompts.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            return null;
        }
        return liveTags.Select(tag => new TagHistoryEntry(row.PartitionKey, tag.Name, tag.HistoryCount + 1, TagActions.Delete, tag.VersionId, tag.Sequence, null, null,
            actor, now, reason)).ToList();
    }

    /// <summary>
    /// Removes every row of the generations before <paramref name="current"/>, and the tombstones of tags last
    /// written in them (each under the ETag read, so a tag written again meanwhile stays). Best effort: the write
    /// it follows is committed, ended rows are invisible, and the next delete of the name purges what this left.
    /// </summary>
    private async Task PurgeEndedGenerationsAsync(string prompt, long current)
    {
        try
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {prompt}");
            var batch = new List<TableTransactionAction>(100);
            await foreach (var entity in storage.Prompts.QueryAsync<TableEntity>(filter,
                select: ["PartitionKey", "RowKey", nameof(TagEntity.VersionId), nameof(TagEntity.Generation)], cancellationToken: CancellationToken.None))
            {
                var generation = GenerationKeys.Of(entity.RowKey);
                var ended = generation is { } g
                    ? g < current
                    : entity.RowKey.StartsWith(RowKeys.TagStart, StringComparison.Ordinal) && entity.GetString(nameof(TagEntity.VersionId)) is null &&
                      (entity.GetInt64(nameof(TagEntity.Generation)) ?? 0) < current;
                if (!ended) continue;
                batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, entity, generation is null ? entity.ETag : ETag.All));
                if (batch.Count == 100) await DeleteAllAsync(batch);
            }
            await DeleteAllAsync(batch);
        }
        catch (RequestFailedException e)
        {
            LogPurgeFailed(logger, e, prompt);
        }
    }

    /// <summary>Submits the deletes, dropping any that another purge already did (404) or that a writer revived (412).</summary>
    private async Task DeleteAllAsync(List<TableTransactionAction> batch)
    {
        while (batch.Count > 0)
        {
            try
            {
                await storage.Prompts.SubmitTransactionAsync(batch, CancellationToken.None);
                batch.Clear();
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 412 && e.FailedTransactionActionIndex is { } index && index < batch.Count)
            {
                batch.RemoveAt(index);
            }
        }
    }

    private async Task<VersionRecord?> NewestVersionOtherThanAsync(string prompt, string versionId, CancellationToken cancellationToken)
    {
        var newest = await reader.ListVersionsAsync(prompt, 2, null, cancellationToken);
        return newest.Items.FirstOrDefault(v => v.Id != versionId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging the deleted generations of prompt {Prompt} failed; its rows stay invisible and its next delete purges them")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception, string prompt);
}
