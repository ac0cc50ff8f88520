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
            var record = new VersionRecord(prompt, id, sequence, now, actor, version.Message, version.Parent, version.ExperimentId);
            var updated = row ?? new PromptEntity { PartitionKey = prompt, CreatedAt = now };
            if (row is null || row.IsDeleted)
            {
                // A new prompt (or one created again after deletion) takes its description and metadata from the
                // creating request; an existing prompt keeps its own, as Phoenix's create-or-append does.
                updated.CreatedAt = now;
                updated.DeletedAt = null;
                updated.Description = version.PromptDescription;
                updated.MetadataJson = version.PromptMetadataJson;
            }
            updated.UpdatedAt = now;
            updated.PointLatestAt(record);
            return new VersionRows<PromptEntity, VersionRecord>(updated, record,
                VersionEntity.From(record, RowKeys.VersionBySequence(sequence)), VersionEntity.From(record, RowKeys.VersionById(id)));
        }, token => reader.GetVersionAsync(prompt, id, token), cancellationToken);

        switch (outcome)
        {
            case SequencedCreation<PromptEntity, VersionRecord>.Created created:
                await UpdateIndexAsync(created.Parent, cancellationToken);
                return new PublishOutcome.Published(created.Record, true, []);
            case SequencedCreation<PromptEntity, VersionRecord>.AlreadyExists same:
                return new PublishOutcome.Published(same.Record, false, []);
            default:
                return new PublishOutcome.Busy();
        }
    }

    private Task<UpdatePromptOutcome> UpdatePromptRowAsync(string prompt, PromptUpdate update, CancellationToken cancellationToken)
    {
        PromptReader.EnsureKeys(prompt);
        return OptimisticConcurrency.RunAsync<UpdatePromptOutcome>(async _ =>
        {
            var row = await reader.GetPromptEntityAsync(prompt, cancellationToken);
            if (row is null || row.IsDeleted) return OptimisticConcurrency.Finish<UpdatePromptOutcome>(new UpdatePromptOutcome.NotFound());
            if (update.ClearDescription) row.Description = null;
            else if (update.Description is not null) row.Description = update.Description;
            if (update.MetadataJson is not null) row.MetadataJson = update.MetadataJson;
            row.UpdatedAt = clock.GetUtcNow();
            await storage.Prompts.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
            await UpdateIndexAsync(row, cancellationToken);
            return OptimisticConcurrency.Finish<UpdatePromptOutcome>(new UpdatePromptOutcome.Updated(row.ToRecord()));
        }, () => new UpdatePromptOutcome.Busy(), cancellationToken);
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
            LogIndexUpdateFailed(logger, e, prompt.PartitionKey);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prompt index update failed for {Prompt}; the prompt stays readable and the next version repairs the index")]
    private static partial void LogIndexUpdateFailed(ILogger logger, Exception exception, string prompt);
}
