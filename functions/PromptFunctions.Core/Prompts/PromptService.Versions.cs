using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;

namespace PromptFunctions.Core.Prompts;

// Version creation and the prompt row's own fields.
public sealed partial class PromptService
{
    /// <summary>
    /// Content first, create-only under its hash, then the version rows with the prompt's counter in one
    /// transaction (<see cref="SequencedVersions"/>). Answers <see cref="PublishOutcome.Published"/> with no tags.
    /// </summary>
    private async Task<PublishOutcome> CreateVersionAsync(NewVersion version, string id, byte[] canonicalContent, string actor, CancellationToken cancellationToken)
    {
        var prompt = version.Prompt;
        PromptReader.EnsureKeys(prompt);
        if (!Identifiers.IsVersionId(id)) throw new ArgumentException("not a version id", nameof(id));
        await storage.EnsureCreatedAsync();

        if (await reader.GetVersionAsync(prompt, id, cancellationToken) is { } existing)
            return new PublishOutcome.Published(existing, false, []);
        if (version.Parent is { } parent && await reader.GetVersionAsync(prompt, parent, cancellationToken) is null)
            return new PublishOutcome.ParentNotFound(parent);

        await storage.Versions.GetBlobClient(PromptReader.BlobName(prompt, id)).UploadIfAbsentAsync(canonicalContent, "application/json", cancellationToken);

        var outcome = await SequencedVersions.CreateAsync<PromptEntity, VersionRecord>(storage.Prompts, prompt, RowKeys.Prompt, (row, sequence) =>
        {
            var now = clock.GetUtcNow();
            var record = new VersionRecord(prompt, id, sequence, now, actor, version.Message, version.Parent, version.ExperimentId, version.Optimization);
            var updated = row ?? new PromptEntity { PartitionKey = prompt, CreatedAt = now };
            var isNew = row is null || row.IsDeleted;
            if (isNew)
            {
                // A new prompt (or one created again after deletion) takes its description and metadata from the
                // creating request; an existing prompt keeps its own, as Phoenix's create-or-append does. A tombstone
                // already holds the generation to write in.
                updated.CreatedAt = now;
                updated.DeletedAt = null;
                updated.Description = version.PromptDescription;
                updated.MetadataJson = version.PromptMetadataJson;
            }
            updated.LiveVersionCount = (isNew ? 0 : row!.Versions) + 1;
            updated.UpdatedAt = now;
            updated.PointLatestAt(record);
            var keys = updated.Keys;
            return new VersionRows<PromptEntity, VersionRecord>(updated, record,
                VersionEntity.From(record, keys.VersionBySequence(sequence)), VersionEntity.From(record, keys.VersionById(id)));
        }, token => reader.GetVersionAsync(prompt, id, token), cancellationToken);

        switch (outcome)
        {
            case SequencedCreation<PromptEntity, VersionRecord>.Created created:
                await SyncIndexAsync(prompt);
                return new PublishOutcome.Published(created.Record, true, []);
            case SequencedCreation<PromptEntity, VersionRecord>.AlreadyExists same:
                return new PublishOutcome.Published(same.Record, false, []);
            default:
                return new PublishOutcome.Busy();
        }
    }

    private async Task<UpdatePromptOutcome> UpdatePromptRowAsync(string prompt, PromptUpdate update, CancellationToken cancellationToken)
    {
        PromptReader.EnsureKeys(prompt);
        var outcome = await OptimisticConcurrency.RunAsync<UpdatePromptOutcome>(async _ =>
        {
            var row = await reader.GetPromptEntityAsync(prompt, cancellationToken);
            if (row is null || row.IsDeleted) return OptimisticConcurrency.Finish<UpdatePromptOutcome>(new UpdatePromptOutcome.NotFound());
            if (update.ClearDescription) row.Description = null;
            else if (update.Description is not null) row.Description = update.Description;
            if (update.MetadataJson is not null) row.MetadataJson = update.MetadataJson;
            row.UpdatedAt = clock.GetUtcNow();
            await storage.Prompts.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
            return OptimisticConcurrency.Finish<UpdatePromptOutcome>(new UpdatePromptOutcome.Updated(row.ToRecord()));
        }, () => new UpdatePromptOutcome.Busy(), cancellationToken);
        if (outcome is UpdatePromptOutcome.Updated) await SyncIndexAsync(prompt);
        return outcome;
    }

    /// <summary>
    /// Brings the prompt's listing row in line with its prompt row, after a committed write. Writers race here
    /// without a transaction (the index is another table), so each one checks that the prompt row did not change
    /// while it wrote: the last writer to finish then always wrote the current state. The request's cancellation
    /// does not apply: the write it follows is committed.
    /// </summary>
    private async Task SyncIndexAsync(string prompt)
    {
        try
        {
            for (var attempt = 1; attempt <= 20; attempt++)
            {
                var row = await reader.GetPromptEntityAsync(prompt, CancellationToken.None);
                if (row is null || row.IsDeleted)
                {
                    await storage.PromptIndex.DeleteEntityAsync(PromptIndexEntity.Partition, prompt, ETag.All, CancellationToken.None);
                }
                else
                {
                    await storage.PromptIndex.UpsertEntityAsync(new PromptIndexEntity
                    {
                        RowKey = prompt,
                        CreatedAt = row.CreatedAt,
                        UpdatedAt = row.UpdatedAt,
                        VersionCount = row.Versions,
                        LatestId = row.LatestId,
                        Description = row.Description,
                    }, TableUpdateMode.Replace, CancellationToken.None);
                }
                if ((await reader.GetPromptEntityAsync(prompt, CancellationToken.None))?.ETag == row?.ETag) return;
            }
        }
        catch (RequestFailedException e)
        {
            LogIndexUpdateFailed(logger, e, prompt);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prompt index update failed for {Prompt}; the prompt stays readable and its next write repairs the index")]
    private static partial void LogIndexUpdateFailed(ILogger logger, Exception exception, string prompt);
}
