using System.Net;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using PromptFunctions.Prompts;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Prompts;

/// <summary>
/// Versions, tags and tag history in Table Storage, version content in Blob Storage. Every multi-row change is
/// one entity-group transaction in the prompt's partition guarded by ETags, so concurrent writers either win
/// whole or retry; nothing here is cached (see <see cref="PromptCatalog"/>).
/// </summary>
public sealed class PromptStore(StorageClients storage, TimeProvider clock, ILogger<PromptStore> logger)
{
    private const int MaxOptimisticAttempts = 200;

    public async Task<CreateVersionOutcome> CreateVersionAsync(
        string prompt, string id, byte[] canonicalContent, VersionCreation creation, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        if (!Identifiers.IsVersionId(id)) throw new ArgumentException("not a version id", nameof(id));
        await storage.EnsureCreatedAsync();

        if (await GetVersionAsync(prompt, id, cancellationToken) is { } existing)
            return new CreateVersionOutcome.AlreadyExists(existing);
        if (creation.Parent is { } parent && await GetVersionAsync(prompt, parent, cancellationToken) is null)
            return new CreateVersionOutcome.ParentNotFound(parent);

        await UploadContentAsync(prompt, id, canonicalContent, cancellationToken);

        for (var attempt = 1; ; attempt++)
        {
            var promptRow = await GetPromptEntityAsync(prompt, cancellationToken);
            var now = clock.GetUtcNow();
            var record = new VersionRecord(prompt, id, (promptRow?.VersionCount ?? 0) + 1, now, creation.CreatedBy, creation.Message, creation.Parent, creation.ExperimentId);

            var updatedPrompt = promptRow ?? new PromptEntity { PartitionKey = prompt, CreatedAt = now };
            if (promptRow is null || promptRow.IsDeleted)
            {
                // A new prompt (or one created again after deletion) takes its description and metadata from the
                // creating request; an existing prompt keeps its own, as Phoenix's create-or-append does.
                updatedPrompt.CreatedAt = now;
                updatedPrompt.DeletedAt = null;
                updatedPrompt.Description = creation.PromptDescription;
                updatedPrompt.MetadataJson = creation.PromptMetadataJson;
            }
            updatedPrompt.VersionCount = record.Sequence;
            updatedPrompt.UpdatedAt = now;
            updatedPrompt.PointLatestAt(record);

            List<TableTransactionAction> actions =
            [
                promptRow is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, updatedPrompt)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, updatedPrompt, promptRow.ETag),
                new(TableTransactionActionType.Add, VersionEntity.From(record, RowKeys.VersionBySequence(record.Sequence))),
                new(TableTransactionActionType.Add, VersionEntity.From(record, RowKeys.VersionById(id))),
            ];
            const int idRowIndex = 2;
            try
            {
                await storage.Prompts.SubmitTransactionAsync(actions, cancellationToken);
                await UpdateIndexAsync(updatedPrompt, cancellationToken);
                return new CreateVersionOutcome.Created(record);
            }
            catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex == idRowIndex && e.Status == (int)HttpStatusCode.Conflict)
            {
                // Someone stored the same content between our check and our write: it is theirs, and identical.
                var winner = await GetVersionAsync(prompt, id, cancellationToken);
                if (winner is not null) return new CreateVersionOutcome.AlreadyExists(winner);
                throw;
            }
            catch (TableTransactionFailedException e) when (IsConcurrencyConflict(e) && attempt < MaxOptimisticAttempts)
            {
                // Another version took this sequence number; read the counter again and retry.
                await BackOffAsync(attempt, cancellationToken);
            }
        }
    }

    private async Task UploadContentAsync(string prompt, string id, byte[] canonicalContent, CancellationToken cancellationToken)
    {
        var blob = storage.Versions.GetBlobClient(BlobName(prompt, id));
        try
        {
            await blob.UploadAsync(new BinaryData(canonicalContent), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
        {
            // Content-addressed and create-only: an existing blob under this id holds these exact bytes.
        }
    }

    public static string BlobName(string prompt, string id) => $"{prompt}/{id}.json";

    /// <summary>Reads a version's canonical content, or null if no blob exists.</summary>
    public async Task<byte[]?> ReadContentAsync(string prompt, string id, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        await storage.EnsureCreatedAsync();
        try
        {
            var result = await storage.Versions.GetBlobClient(BlobName(prompt, id)).DownloadContentAsync(cancellationToken);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<VersionRecord?> GetVersionAsync(string prompt, string id, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        if (!Identifiers.IsVersionId(id)) return null;
        var entity = await GetEntityAsync<VersionEntity>(prompt, RowKeys.VersionById(id), cancellationToken);
        return entity?.ToRecord();
    }

    public async Task<VersionRecord?> GetVersionBySequenceAsync(string prompt, long sequence, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        if (sequence < 1) return null;
        var entity = await GetEntityAsync<VersionEntity>(prompt, RowKeys.VersionBySequence(sequence), cancellationToken);
        return entity?.ToRecord();
    }

    /// <summary>The prompt, or null if it never existed or was deleted.</summary>
    public async Task<PromptRecord?> GetPromptAsync(string prompt, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        return await GetPromptEntityAsync(prompt, cancellationToken) is { IsDeleted: false } entity ? entity.ToRecord() : null;
    }

    /// <summary>
    /// Changes the prompt's description and/or metadata (null leaves a field as it is; <paramref name="clearDescription"/>
    /// removes the description).
    /// </summary>
    public async Task<PromptRecord?> UpdatePromptAsync(string prompt, string? description, string? metadataJson, CancellationToken cancellationToken, bool clearDescription = false)
    {
        EnsureKeys(prompt);
        for (var attempt = 1; ; attempt++)
        {
            var row = await GetPromptEntityAsync(prompt, cancellationToken);
            if (row is null || row.IsDeleted) return null;
            if (clearDescription) row.Description = null;
            else if (description is not null) row.Description = description;
            if (metadataJson is not null) row.MetadataJson = metadataJson;
            row.UpdatedAt = clock.GetUtcNow();
            try
            {
                await storage.Prompts.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
                await UpdateIndexAsync(row, cancellationToken);
                return row.ToRecord();
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.PreconditionFailed && attempt < MaxOptimisticAttempts)
            {
                await BackOffAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Deletes the prompt's versions, tags and history. The prompt row stays as a tombstone so sequence numbers
    /// continue if the name is used again, and content blobs stay (they are content-addressed: posting the same
    /// content again restores the same id). Returns false if there was nothing to delete.
    /// </summary>
    public async Task<bool> DeletePromptAsync(string prompt, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        await storage.EnsureCreatedAsync();
        PromptEntity? row;
        for (var attempt = 1; ; attempt++)
        {
            row = await GetPromptEntityAsync(prompt, cancellationToken);
            if (row is null || row.IsDeleted) return false;
            row.DeletedAt = clock.GetUtcNow();
            row.UpdatedAt = row.DeletedAt.Value;
            row.LatestId = null;
            try
            {
                // The tombstone goes first: from here on the prompt reads as absent, whatever the cleanup does.
                await storage.Prompts.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
                break;
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.PreconditionFailed && attempt < MaxOptimisticAttempts)
            {
                await BackOffAsync(attempt, cancellationToken);
            }
        }

        await PurgeDeletedPromptAsync(prompt, cancellationToken);
        return true;
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

    // A version delete writes the prompt row, two version rows and two rows per tag in one transaction of at
    // most 100 actions; tags beyond this many are detached one by one first.
    private const int MaxTagsPerVersionDelete = 45;

    /// <summary>
    /// Deletes one version: its records (by id and by sequence) and every tag pointing at it, each tag with a
    /// <see cref="TagActions.Delete"/> history entry, in one entity-group transaction with the prompt row. If it was
    /// the latest version, the newest remaining one becomes latest; if it was the only one, the prompt is deleted
    /// as by <see cref="DeletePromptAsync"/>. Sequence numbers are never reused, and the content blob stays
    /// (content-addressed), so posting the same content again restores the same id under a new sequence number.
    /// </summary>
    public async Task<DeleteVersionOutcome> DeleteVersionAsync(string prompt, string versionId, string actor, string? reason, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        if (!Identifiers.IsVersionId(versionId)) return new DeleteVersionOutcome.NotFound();
        await storage.EnsureCreatedAsync();
        var removed = new List<TagHistoryEntry>();
        for (var attempt = 1; ; attempt++)
        {
            var promptRow = await GetPromptEntityAsync(prompt, cancellationToken);
            if (promptRow is null || promptRow.IsDeleted) return new DeleteVersionOutcome.NotFound();
            var versionRow = await GetEntityAsync<VersionEntity>(prompt, RowKeys.VersionById(versionId), cancellationToken);
            if (versionRow is null) return new DeleteVersionOutcome.NotFound();
            var record = versionRow.ToRecord();

            var tags = await TagsPointingAtAsync(prompt, versionId, cancellationToken);
            if (tags.Count > MaxTagsPerVersionDelete)
            {
                foreach (var surplus in tags.Skip(MaxTagsPerVersionDelete))
                {
                    if (await ChangeTagAsync(prompt, surplus.Name, null, TagPrecondition.PointsAt(versionId), actor, reason, TagActions.Delete, cancellationToken) is TagChangeOutcome.Changed changed)
                        removed.Add(changed.Entry);
                }
                continue;
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
            catch (TableTransactionFailedException e) when ((IsConcurrencyConflict(e) || e.Status == (int)HttpStatusCode.NotFound) && attempt < MaxOptimisticAttempts)
            {
                // A version, tag or the prompt changed after we read them (or the version is already gone): start over.
                await BackOffAsync(attempt, cancellationToken);
                continue;
            }
            removed.AddRange(entries.Select(h => h.ToEntry()));

            if (latest is null)
            {
                await PurgeDeletedPromptAsync(prompt, cancellationToken);
                return new DeleteVersionOutcome.Deleted(record, removed, PromptDeleted: true);
            }
            await UpdateIndexAsync(promptRow, cancellationToken);
            // Moving a tag checks that its version exists but does not lock it, so a move can land between our read
            // of the tags and the transaction; such a tag is detached here rather than left pointing at nothing.
            foreach (var late in await TagsPointingAtAsync(prompt, versionId, cancellationToken))
            {
                if (await ChangeTagAsync(prompt, late.Name, null, TagPrecondition.PointsAt(versionId), actor, reason, TagActions.Delete, cancellationToken) is TagChangeOutcome.Changed changed)
                    removed.Add(changed.Entry);
            }
            return new DeleteVersionOutcome.Deleted(record, removed, PromptDeleted: false);
        }
    }

    private async Task<List<TagEntity>> TagsPointingAtAsync(string prompt, string versionId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {prompt} and RowKey gt {RowKeys.TagStart} and RowKey lt {RowKeys.TagEnd} and VersionId eq {versionId}");
        var tags = new List<TagEntity>();
        await foreach (var tag in storage.Prompts.QueryAsync<TagEntity>(filter, cancellationToken: cancellationToken)) tags.Add(tag);
        return tags;
    }

    private async Task<VersionRecord?> NewestVersionOtherThanAsync(string prompt, string versionId, CancellationToken cancellationToken)
    {
        var newest = await ListVersionsAsync(prompt, 2, null, cancellationToken);
        return newest.Items.FirstOrDefault(v => v.Id != versionId);
    }

    /// <summary>Turns <paramref name="tag"/> into a tombstone and returns the history entry recording it.</summary>
    private static TagHistoryEntity Detach(TagEntity tag, string actor, string? reason, DateTimeOffset now)
    {
        var previous = tag.Target();
        tag.PointAt(null);
        tag.UpdatedAt = now;
        tag.UpdatedBy = actor;
        tag.HistoryCount++;
        return new TagHistoryEntity
        {
            PartitionKey = tag.PartitionKey,
            RowKey = RowKeys.TagHistory(tag.Name, tag.HistoryCount),
            Tag = tag.Name,
            Number = tag.HistoryCount,
            Action = TagActions.Delete,
            FromVersion = previous?.Id,
            FromSequence = previous?.Sequence,
            Actor = actor,
            At = now,
            Reason = reason,
        };
    }

    /// <summary>Newest first. <paramref name="afterSequence"/> continues after that sequence number.</summary>
    public async Task<ResultPage<VersionRecord>> ListVersionsAsync(string prompt, int limit, long? afterSequence, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        await storage.EnsureCreatedAsync();
        var from = afterSequence is { } after ? RowKeys.VersionBySequence(after) : RowKeys.VersionBySequenceStart;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {prompt} and RowKey gt {from} and RowKey lt {RowKeys.VersionBySequenceEnd}");
        var items = await storage.Prompts.QueryAsync<VersionEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var records = items.Take(limit).Select(e => e.ToRecord()).ToList();
        return new ResultPage<VersionRecord>(records, items.Count > limit ? records[^1].Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    /// <summary>Prompts in name order. <paramref name="afterName"/> continues after that name.</summary>
    public async Task<ResultPage<PromptIndexItem>> ListPromptsAsync(int limit, string? afterName, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var filter = afterName is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {PromptIndexEntity.Partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {PromptIndexEntity.Partition} and RowKey gt {afterName}");
        var items = await storage.PromptIndex.QueryAsync<PromptIndexEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var page = items.Take(limit).Select(e => new PromptIndexItem(e.RowKey, e.Description, e.CreatedAt, e.UpdatedAt, e.VersionCount, e.LatestId)).ToList();
        return new ResultPage<PromptIndexItem>(page, items.Count > limit ? page[^1].Name : null);
    }

    public async Task<TagRecord?> GetTagAsync(string prompt, string tag, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt, tag);
        return (await GetEntityAsync<TagEntity>(prompt, RowKeys.Tag(tag), cancellationToken))?.ToRecord();
    }

    public async Task<IReadOnlyList<TagRecord>> ListTagsAsync(string prompt, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        await storage.EnsureCreatedAsync();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {prompt} and RowKey gt {RowKeys.TagStart} and RowKey lt {RowKeys.TagEnd}");
        var tags = new List<TagRecord>();
        await foreach (var entity in storage.Prompts.QueryAsync<TagEntity>(filter, cancellationToken: cancellationToken))
        {
            if (entity.ToRecord() is { } record) tags.Add(record);
        }
        return tags;
    }

    /// <summary>Newest first. <paramref name="beforeNumber"/> continues with entries older than that number.</summary>
    public async Task<ResultPage<TagHistoryEntry>> GetTagHistoryAsync(string prompt, string tag, int limit, long? beforeNumber, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt, tag);
        await storage.EnsureCreatedAsync();
        var from = beforeNumber is { } before ? RowKeys.TagHistory(tag, before) : RowKeys.TagHistoryStart(tag);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {prompt} and RowKey gt {from} and RowKey lt {RowKeys.TagHistoryEnd(tag)}");
        var items = await storage.Prompts.QueryAsync<TagHistoryEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var entries = items.Take(limit).Select(e => e.ToEntry()).ToList();
        return new ResultPage<TagHistoryEntry>(entries, items.Count > limit ? entries[^1].Number.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    /// <summary>
    /// Points <paramref name="tag"/> at <paramref name="versionId"/> if <paramref name="precondition"/> holds, and
    /// appends the history entry in the same transaction.
    /// </summary>
    public async Task<TagChangeOutcome> MoveTagAsync(
        string prompt, string tag, string versionId, TagPrecondition precondition, string actor, string? reason, CancellationToken cancellationToken,
        string? action = null)
    {
        EnsureKeys(prompt, tag);
        var target = await GetVersionAsync(prompt, versionId, cancellationToken);
        if (target is null) return new TagChangeOutcome.VersionNotFound(versionId);
        return await ChangeTagAsync(prompt, tag, target, precondition, actor, reason, action, cancellationToken);
    }

    public async Task<TagChangeOutcome> DeleteTagAsync(
        string prompt, string tag, TagPrecondition precondition, string actor, string? reason, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt, tag);
        return await ChangeTagAsync(prompt, tag, null, precondition, actor, reason, TagActions.Delete, cancellationToken);
    }

    /// <summary>
    /// Moves the tag back to the target it had before its latest change (which may itself have been a rollback,
    /// so rolling back twice returns to where it started). A deleted tag is restored to its last target.
    /// </summary>
    public async Task<TagChangeOutcome> RollbackTagAsync(string prompt, string tag, string actor, string? reason, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt, tag);
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetEntityAsync<TagEntity>(prompt, RowKeys.Tag(tag), cancellationToken);
            if (current is null) return new TagChangeOutcome.TagNotFound();
            var latest = await GetTagHistoryAsync(prompt, tag, 1, null, cancellationToken);
            if (latest.Items is not [var last]) return new TagChangeOutcome.NothingToRollBack($"tag '{tag}' has no history");
            if (last.FromVersion is null) return new TagChangeOutcome.NothingToRollBack($"tag '{tag}' had no target before its latest change ({last.Action} to {last.ToVersion})");
            var target = await GetVersionAsync(prompt, last.FromVersion, cancellationToken);
            if (target is null) return new TagChangeOutcome.VersionNotFound(last.FromVersion);

            // The history read and the move must describe the same state: require the tag to be exactly where the
            // latest entry left it, and start over if a concurrent change got in between.
            var outcome = await ChangeTagAsync(prompt, tag, target, new ExactState(current.VersionId, current.HistoryCount), actor, reason, TagActions.Rollback, cancellationToken);
            if (outcome is not TagChangeOutcome.PreconditionFailed || attempt >= MaxOptimisticAttempts) return outcome;
            await BackOffAsync(attempt, cancellationToken);
        }
    }

    /// <summary>Internal precondition of rollback: the tag row has not changed since it was read.</summary>
    private sealed record ExactState(string? VersionId, long HistoryCount) : TagPrecondition;

    private async Task<TagChangeOutcome> ChangeTagAsync(
        string prompt, string tag, VersionRecord? target, TagPrecondition precondition, string actor, string? reason, string? action, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetEntityAsync<TagEntity>(prompt, RowKeys.Tag(tag), cancellationToken);
            var currentVersion = current?.VersionId;
            var holds = precondition is ExactState exact
                ? current is not null && current.VersionId == exact.VersionId && current.HistoryCount == exact.HistoryCount
                : precondition.HoldsFor(currentVersion);
            if (!holds) return new TagChangeOutcome.PreconditionFailed(currentVersion);
            if (target is null && currentVersion is null) return new TagChangeOutcome.TagNotFound();
            if (target is not null && currentVersion == target.Id) return new TagChangeOutcome.Unchanged(current!.ToRecord()!);

            var now = clock.GetUtcNow();
            var number = (current?.HistoryCount ?? 0) + 1;
            var updated = current ?? new TagEntity { PartitionKey = prompt, RowKey = RowKeys.Tag(tag), Name = tag };
            var previousTarget = current?.Target();
            updated.PointAt(target);
            updated.UpdatedAt = now;
            updated.UpdatedBy = actor;
            updated.HistoryCount = number;
            var history = new TagHistoryEntity
            {
                PartitionKey = prompt,
                RowKey = RowKeys.TagHistory(tag, number),
                Tag = tag,
                Number = number,
                Action = action ?? (currentVersion is null ? TagActions.Create : TagActions.Move),
                FromVersion = previousTarget?.Id,
                FromSequence = previousTarget?.Sequence,
                ToVersion = target?.Id,
                ToSequence = target?.Sequence,
                Actor = actor,
                At = now,
                Reason = reason,
            };
            List<TableTransactionAction> actions =
            [
                current is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, updated)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, updated, current.ETag),
                new(TableTransactionActionType.Add, history),
            ];
            try
            {
                await storage.Prompts.SubmitTransactionAsync(actions, cancellationToken);
                return new TagChangeOutcome.Changed(updated.ToRecord(), history.ToEntry());
            }
            catch (TableTransactionFailedException e) when (IsConcurrencyConflict(e) && attempt < MaxOptimisticAttempts)
            {
                // The tag changed after we read it: re-read, and re-check the caller's precondition on the new state.
                await BackOffAsync(attempt, cancellationToken);
            }
        }
    }

    private async Task UpdateIndexAsync(PromptEntity prompt, CancellationToken cancellationToken)
    {
        // The index only serves listings; it is rewritten on every version, so a crash before this line is
        // repaired by the next version of the same prompt.
        var entity = new PromptIndexEntity
        {
            RowKey = prompt.PartitionKey,
            CreatedAt = prompt.CreatedAt,
            UpdatedAt = prompt.UpdatedAt,
            VersionCount = prompt.VersionCount,
            LatestId = prompt.LatestId,
            Description = prompt.Description,
        };
        try
        {
            await storage.PromptIndex.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e)
        {
            logger.LogWarning(e, "Prompt index update failed for {Prompt}; the prompt stays readable and the next version repairs the index", prompt.PartitionKey);
        }
    }

    private async Task<PromptEntity?> GetPromptEntityAsync(string prompt, CancellationToken cancellationToken) =>
        await GetEntityAsync<PromptEntity>(prompt, RowKeys.Prompt, cancellationToken);

    private async Task<T?> GetEntityAsync<T>(string partition, string row, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        await storage.EnsureCreatedAsync();
        return await storage.Prompts.GetOrNullAsync<T>(partition, row, cancellationToken);
    }

    private static bool IsConcurrencyConflict(TableTransactionFailedException e) =>
        e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict;

    private static Task BackOffAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 2 + Math.Min(attempt, 20) * 2)), cancellationToken);

    /// <summary>Names become partition and row keys: they are validated by the callers, and re-checked here.</summary>
    private static void EnsureKeys(string prompt, string? tag = null)
    {
        if (!Identifiers.IsPromptName(prompt)) throw new ArgumentException(Identifiers.PromptNameRule, nameof(prompt));
        if (tag is not null && !Identifiers.IsTagName(tag)) throw new ArgumentException(Identifiers.TagNameRule, nameof(tag));
    }
}

/// <param name="PromptDescription">Used only when this version creates the prompt.</param>
/// <param name="PromptMetadataJson">Used only when this version creates the prompt.</param>
public sealed record VersionCreation(
    string CreatedBy, string? Message, string? Parent, string? ExperimentId = null, string? PromptDescription = null, string? PromptMetadataJson = null);

public sealed record PromptIndexItem(string Name, string? Description, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long VersionCount, string? LatestId);
