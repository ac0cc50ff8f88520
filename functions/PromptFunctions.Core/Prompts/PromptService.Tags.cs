using Azure.Data.Tables;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Prompts;

// Tag moves, deletes and rollbacks: the tag row and its history entry in one transaction, guarded by the tag's and
// the prompt row's ETags.
public sealed partial class PromptService
{
    private Task<TagChangeOutcome> RollBackAsync(string prompt, string tag, string actor, string? reason, CancellationToken cancellationToken) =>
        OptimisticConcurrency.RunAsync<TagChangeOutcome>(async _ =>
        {
            var current = await reader.GetEntityAsync<TagEntity>(prompt, RowKeys.Tag(tag), cancellationToken);
            if (current is null) return OptimisticConcurrency.Finish<TagChangeOutcome>(new TagChangeOutcome.TagNotFound());
            var latest = await reader.GetTagHistoryAsync(prompt, tag, 1, null, cancellationToken);
            if (latest.Items is not [var last])
                return OptimisticConcurrency.Finish<TagChangeOutcome>(new TagChangeOutcome.NothingToRollBack($"tag '{tag}' has no history"));
            if (last.FromVersion is null)
                return OptimisticConcurrency.Finish<TagChangeOutcome>(new TagChangeOutcome.NothingToRollBack($"tag '{tag}' had no target before its latest change ({last.Action} to {last.ToVersion})"));
            var target = await reader.GetVersionAsync(prompt, last.FromVersion, cancellationToken);
            if (target is null) return OptimisticConcurrency.Finish<TagChangeOutcome>(new TagChangeOutcome.VersionNotFound(last.FromVersion));

            // The history read and the move must describe the same state: require the tag to be exactly where the
            // latest entry left it, and start over if a concurrent change got in between.
            var outcome = await ChangeTagAsync(prompt, tag, target.Id, new TagPrecondition.ExactState(current.VersionId, current.HistoryCount), actor, reason,
                TagActions.Rollback, cancellationToken);
            return outcome is TagChangeOutcome.PreconditionFailed ? OptimisticConcurrency.Round<TagChangeOutcome>.Retry : OptimisticConcurrency.Finish(outcome);
        }, () => new TagChangeOutcome.Busy(), cancellationToken);

    /// <summary>
    /// Points the tag at version <paramref name="targetId"/> (null deletes it) and appends the history entry, if the
    /// precondition holds. The transaction also rewrites the prompt row under the ETag read first, so it commits
    /// only if neither the prompt nor the target version was deleted since they were read.
    /// </summary>
    private async Task<TagChangeOutcome> WriteTagAsync(string prompt, string tag, string? targetId, TagPrecondition precondition, string actor, string? reason,
        string? action, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        return await OptimisticConcurrency.RunAsync<TagChangeOutcome>(async _ =>
        {
            var promptRow = await reader.GetPromptEntityAsync(prompt, cancellationToken);
            if (promptRow is null || promptRow.IsDeleted)
            {
                return OptimisticConcurrency.Finish<TagChangeOutcome>(targetId is null ? new TagChangeOutcome.TagNotFound() : new TagChangeOutcome.VersionNotFound(targetId));
            }
            var keys = promptRow.Keys;
            var currentRead = reader.GetEntityAsync<TagEntity>(prompt, RowKeys.Tag(tag), cancellationToken);
            var targetRead = targetId is null ? Task.FromResult<VersionEntity?>(null) : reader.GetEntityAsync<VersionEntity>(prompt, keys.VersionById(targetId), cancellationToken);
            var current = await currentRead;
            var target = (await targetRead)?.ToRecord();
            if (targetId is not null && target is null) return OptimisticConcurrency.Finish<TagChangeOutcome>(new TagChangeOutcome.VersionNotFound(targetId));
            var currentVersion = current?.VersionId;
            if (!precondition.HoldsFor(current)) return OptimisticConcurrency.Finish<TagChangeOutcome>(new TagChangeOutcome.PreconditionFailed(currentVersion));
            if (target is null && currentVersion is null) return OptimisticConcurrency.Finish<TagChangeOutcome>(new TagChangeOutcome.TagNotFound());
            if (target is not null && currentVersion == target.Id) return OptimisticConcurrency.Finish<TagChangeOutcome>(new TagChangeOutcome.Unchanged(current!.ToRecord()!));

            var now = clock.GetUtcNow();
            var number = (current?.HistoryCount ?? 0) + 1;
            var updated = current ?? new TagEntity { PartitionKey = prompt, RowKey = RowKeys.Tag(tag), Name = tag };
            var previousTarget = current?.Target();
            updated.PointAt(target);
            updated.UpdatedAt = now;
            updated.UpdatedBy = actor;
            updated.HistoryCount = number;
            updated.Generation = keys.Generation;
            var history = new TagHistoryEntity
            {
                PartitionKey = prompt,
                RowKey = keys.TagHistory(tag, number),
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
                PromptGuard(promptRow, now),
            ];
            // A conflict here means the tag or the prompt changed after we read them: the loop re-reads and
            // re-checks the caller's precondition on the new state. So does a 404: the prompt's deletion removed
            // the tag row we read.
            try
            {
                await storage.Prompts.SubmitTransactionAsync(actions, cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                return OptimisticConcurrency.Round<TagChangeOutcome>.Retry;
            }
            return OptimisticConcurrency.Finish<TagChangeOutcome>(new TagChangeOutcome.Changed(updated.ToRecord(), history.ToEntry()));
        }, () => new TagChangeOutcome.Busy(), cancellationToken);
    }

    /// <summary>
    /// The action that ties a tag change to the prompt row as it was read: it merges one column under the row's
    /// ETag, so the transaction fails if the prompt was deleted, a version removed or a tag changed meanwhile.
    /// </summary>
    private static TableTransactionAction PromptGuard(PromptEntity promptRow, DateTimeOffset now) =>
        new(TableTransactionActionType.UpdateMerge, new TableEntity(promptRow.PartitionKey, RowKeys.Prompt) { [nameof(PromptEntity.TagsChangedAt)] = now }, promptRow.ETag);

    /// <summary>Turns <paramref name="tag"/> into a tombstone and returns the history entry recording it.</summary>
    private static TagHistoryEntity Detach(TagEntity tag, GenerationKeys keys, string actor, string? reason, DateTimeOffset now)
    {
        var previous = tag.Target();
        tag.PointAt(null);
        tag.UpdatedAt = now;
        tag.UpdatedBy = actor;
        tag.HistoryCount++;
        return new TagHistoryEntity
        {
            PartitionKey = tag.PartitionKey,
            RowKey = keys.TagHistory(tag.Name, tag.HistoryCount),
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
}
