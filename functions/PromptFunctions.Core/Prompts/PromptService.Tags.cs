using Azure.Data.Tables;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Prompts;

// Tag moves, deletes and rollbacks: the tag row and its history entry in one transaction, guarded by the tag's ETag.
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
            var outcome = await ChangeTagAsync(prompt, tag, target, new TagPrecondition.ExactState(current.VersionId, current.HistoryCount), actor, reason,
                TagActions.Rollback, cancellationToken);
            return outcome is TagChangeOutcome.PreconditionFailed ? OptimisticConcurrency.Round<TagChangeOutcome>.Retry : OptimisticConcurrency.Finish(outcome);
        }, () => new TagChangeOutcome.Busy(), cancellationToken);

    /// <summary>Points the tag at <paramref name="target"/> (null deletes it) and appends the history entry, if the precondition holds.</summary>
    private async Task<TagChangeOutcome> WriteTagAsync(string prompt, string tag, VersionRecord? target, TagPrecondition precondition, string actor, string? reason,
        string? action, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        return await OptimisticConcurrency.RunAsync<TagChangeOutcome>(async _ =>
        {
            var current = await reader.GetEntityAsync<TagEntity>(prompt, RowKeys.Tag(tag), cancellationToken);
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
            // A conflict here means the tag changed after we read it: the loop re-reads and re-checks the caller's
            // precondition on the new state.
            await storage.Prompts.SubmitTransactionAsync(actions, cancellationToken);
            return OptimisticConcurrency.Finish<TagChangeOutcome>(new TagChangeOutcome.Changed(updated.ToRecord(), history.ToEntry()));
        }, () => new TagChangeOutcome.Busy(), cancellationToken);
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
}
