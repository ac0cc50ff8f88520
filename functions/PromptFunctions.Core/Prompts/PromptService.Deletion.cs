using Azure;
using Azure.Data.Tables;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;

namespace PromptFunctions.Core.Prompts;

// Deleting versions and prompts. Content blobs stay: they are content-addressed, so posting the same content again
// restores the same id (under a new sequence number, which are never reused).
public sealed partial class PromptService
{
    // A version delete writes the prompt row, two version rows and two rows per tag in one transaction of at
    // most 100 actions; tags beyond this many are detached one by one first.
    private const int MaxTagsPerVersionDelete = 45;

    /// <summary>
    /// Tombstones the prompt row, then removes every other row. The tombstone stays so that sequence numbers
    /// continue if the name is used again.
    /// </summary>
    private async Task<DeletePromptOutcome> RemovePromptAsync(string prompt, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var outcome = await OptimisticConcurrency.RunAsync<DeletePromptOutcome>(async _ =>
        {
            var row = await reader.GetPromptEntityAsync(prompt, cancellationToken);
            if (row is null || row.IsDeleted) return OptimisticConcurrency.Finish<DeletePromptOutcome>(new DeletePromptOutcome.NotFound());
            row.DeletedAt = clock.GetUtcNow();
            row.UpdatedAt = row.DeletedAt.Value;
            row.LatestId = null;
            // The tombstone goes first: from here on the prompt reads as absent, whatever the cleanup does.
            await storage.Prompts.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
            return OptimisticConcurrency.Finish<DeletePromptOutcome>(new DeletePromptOutcome.Deleted());
        }, () => new DeletePromptOutcome.Busy(), cancellationToken);
        if (outcome is DeletePromptOutcome.Deleted) await PurgeDeletedPromptAsync(prompt, cancellationToken);
        return outcome;
    }

    /// <summary>Removes every row of a tombstoned prompt but the tombstone, and its index entry.</summary>
    private async Task PurgeDeletedPromptAsync(string prompt, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {prompt} and RowKey ne {RowKeys.Prompt}");
        var batch = new List<TableTransactionAction>(100);
        await foreach (var entity in storage.Prompts.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, entity, ETag.All));
            if (batch.Count == 100)
            {
                await storage.Prompts.SubmitTransactionAsync(batch, cancellationToken);
                batch.Clear();
            }
        }
        if (batch.Count > 0) await storage.Prompts.SubmitTransactionAsync(batch, cancellationToken);
        await storage.PromptIndex.DeleteEntityAsync(PromptIndexEntity.Partition, prompt, ETag.All, cancellationToken);
    }

    /// <summary>
    /// Deletes one version: its records (by id and by sequence) and every tag pointing at it, each tag with a
    /// <see cref="TagActions.Delete"/> history entry, in one entity-group transaction with the prompt row. If it was
    /// the latest version, the newest remaining one becomes latest; if it was the only one, the prompt is deleted.
    /// </summary>
    private async Task<DeleteVersionOutcome> RemoveVersionAsync(string prompt, string versionId, string actor, string? reason, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsVersionId(versionId)) return new DeleteVersionOutcome.NotFound();
        await storage.EnsureCreatedAsync();
        var removed = new List<TagHistoryEntry>();
        PromptEntity? writtenRow = null;
        var outcome = await OptimisticConcurrency.RunAsync<DeleteVersionOutcome>(async _ =>
        {
            var promptRow = await reader.GetPromptEntityAsync(prompt, cancellationToken);
            if (promptRow is null || promptRow.IsDeleted) return OptimisticConcurrency.Finish<DeleteVersionOutcome>(new DeleteVersionOutcome.NotFound());
            var versionRow = await reader.GetEntityAsync<VersionEntity>(prompt, RowKeys.VersionById(versionId), cancellationToken);
            if (versionRow is null) return OptimisticConcurrency.Finish<DeleteVersionOutcome>(new DeleteVersionOutcome.NotFound());
            var record = versionRow.ToRecord();

            var tags = await reader.TagsPointingAtAsync(prompt, versionId, cancellationToken);
            if (tags.Count > MaxTagsPerVersionDelete)
            {
                foreach (var surplus in tags.Skip(MaxTagsPerVersionDelete))
                {
                    if (await WriteTagAsync(prompt, surplus.Name, null, TagPrecondition.PointsAt(versionId), actor, reason, TagActions.Delete, cancellationToken) is TagChangeOutcome.Changed changed)
                        removed.Add(changed.Entry);
                }
                return OptimisticConcurrency.Round<DeleteVersionOutcome>.Retry;
            }

            var now = clock.GetUtcNow();
            var latest = promptRow.LatestId == versionId ? await NewestVersionOtherThanAsync(prompt, versionId, cancellationToken) : promptRow.Latest();
            promptRow.PointLatestAt(latest);
            promptRow.UpdatedAt = now;
            if (latest is null) promptRow.DeletedAt = now;

            var actions = new List<TableTransactionAction>(3 + tags.Count * 2)
            {
                new(TableTransactionActionType.UpdateReplace, promptRow, promptRow.ETag),
                new(TableTransactionActionType.Delete, new TableEntity(prompt, RowKeys.VersionBySequence(record.Sequence)), ETag.All),
                new(TableTransactionActionType.Delete, versionRow, versionRow.ETag),
            };
            var entries = new List<TagHistoryEntity>(tags.Count);
            foreach (var tag in tags)
            {
                var history = Detach(tag, actor, reason, now);
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
            writtenRow = promptRow;
            return OptimisticConcurrency.Finish<DeleteVersionOutcome>(new DeleteVersionOutcome.Deleted(record, removed, PromptDeleted: latest is null));
        }, () => new DeleteVersionOutcome.Busy(), cancellationToken);

        if (outcome is not DeleteVersionOutcome.Deleted deleted) return outcome;
        if (deleted.PromptDeleted)
        {
            await PurgeDeletedPromptAsync(prompt, cancellationToken);
            return deleted;
        }
        await UpdateIndexAsync(writtenRow!, cancellationToken);
        // Moving a tag checks that its version exists but does not lock it, so a move can land between our read
        // of the tags and the transaction; such a tag is detached here rather than left pointing at nothing.
        foreach (var late in await reader.TagsPointingAtAsync(prompt, versionId, cancellationToken))
        {
            if (await WriteTagAsync(prompt, late.Name, null, TagPrecondition.PointsAt(versionId), actor, reason, TagActions.Delete, cancellationToken) is TagChangeOutcome.Changed changed)
                removed.Add(changed.Entry);
        }
        return deleted;
    }

    private async Task<VersionRecord?> NewestVersionOtherThanAsync(string prompt, string versionId, CancellationToken cancellationToken)
    {
        var newest = await reader.ListVersionsAsync(prompt, 2, null, cancellationToken);
        return newest.Items.FirstOrDefault(v => v.Id != versionId);
    }
}
