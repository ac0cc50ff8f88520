using System.Globalization;
using Azure.Data.Tables;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;

namespace PromptFunctions.Core.Prompts;

/// <summary>
/// Reads of prompts, versions, tags and tag history, straight from storage (nothing cached here; see
/// <see cref="PromptCatalog"/>). Rows live in the prompts table, one partition per prompt; content lives in blobs.
/// Only <see cref="PromptService"/> writes them.
/// </summary>
public sealed class PromptReader(StorageClients storage)
{
    public static string BlobName(string prompt, string id) => $"{prompt}/{id}.json";

    /// <summary>A version's canonical content, or null if no blob exists.</summary>
    public async Task<byte[]?> ReadContentAsync(string prompt, string id, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        await storage.EnsureCreatedAsync();
        return await storage.Versions.GetBlobClient(BlobName(prompt, id)).DownloadOrNullAsync(cancellationToken);
    }

    /// <summary>A version of the live prompt by content id: the prompt row (for its generation), then the version row.</summary>
    public async Task<VersionRecord?> GetVersionAsync(string prompt, string id, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        if (!Identifiers.IsVersionId(id)) return null;
        if (await GetPromptEntityAsync(prompt, cancellationToken) is not { IsDeleted: false } row) return null;
        return (await GetEntityAsync<VersionEntity>(prompt, row.Keys.VersionById(id), cancellationToken))?.ToRecord();
    }

    public async Task<VersionRecord?> GetVersionBySequenceAsync(string prompt, long sequence, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        if (sequence < 1) return null;
        if (await GetPromptEntityAsync(prompt, cancellationToken) is not { IsDeleted: false } row) return null;
        return (await GetEntityAsync<VersionEntity>(prompt, row.Keys.VersionBySequence(sequence), cancellationToken))?.ToRecord();
    }

    /// <summary>The prompt, or null if it never existed or was deleted.</summary>
    public async Task<PromptRecord?> GetPromptAsync(string prompt, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        return await GetPromptEntityAsync(prompt, cancellationToken) is { IsDeleted: false } entity ? entity.ToRecord() : null;
    }

    /// <summary>Newest first. <paramref name="afterSequence"/> continues after that sequence number.</summary>
    public async Task<ResultPage<VersionRecord>> ListVersionsAsync(string prompt, int limit, long? afterSequence, CancellationToken cancellationToken)
    {
        EnsureKeys(prompt);
        if (await GetPromptEntityAsync(prompt, cancellationToken) is not { IsDeleted: false } row) return new ResultPage<VersionRecord>([], null);
        return await SequencedVersions.ListAsync<VersionEntity, VersionRecord>(storage.Prompts, prompt, limit, afterSequence, e => e.ToRecord(), r => r.Sequence,
            cancellationToken, row.Keys.KeyPrefix);
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

    /// <summary>
    /// One point read: a live tag row always belongs to the live prompt and points at one of its versions, because
    /// every write that ends a generation or removes a version also rewrites or deletes the tags concerned.
    /// </summary>
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
        if (await GetPromptEntityAsync(prompt, cancellationToken) is not { IsDeleted: false } row) return new ResultPage<TagHistoryEntry>([], null);
        var keys = row.Keys;
        var from = beforeNumber is { } before ? keys.TagHistory(tag, before) : keys.TagHistoryStart(tag);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {prompt} and RowKey gt {from} and RowKey lt {keys.TagHistoryEnd(tag)}");
        var items = await storage.Prompts.QueryAsync<TagHistoryEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var entries = items.Take(limit).Select(e => e.ToEntry()).ToList();
        return new ResultPage<TagHistoryEntry>(entries, items.Count > limit ? entries[^1].Number.ToString(CultureInfo.InvariantCulture) : null);
    }

    /// <summary>Every tag row of the prompt, tombstones included.</summary>
    internal async Task<List<TagEntity>> TagRowsAsync(string prompt, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {prompt} and RowKey gt {RowKeys.TagStart} and RowKey lt {RowKeys.TagEnd}");
        var tags = new List<TagEntity>();
        await foreach (var tag in storage.Prompts.QueryAsync<TagEntity>(filter, cancellationToken: cancellationToken)) tags.Add(tag);
        return tags;
    }

    internal async Task<List<TagEntity>> TagsPointingAtAsync(string prompt, string versionId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {prompt} and RowKey gt {RowKeys.TagStart} and RowKey lt {RowKeys.TagEnd} and VersionId eq {versionId}");
        var tags = new List<TagEntity>();
        await foreach (var tag in storage.Prompts.QueryAsync<TagEntity>(filter, cancellationToken: cancellationToken)) tags.Add(tag);
        return tags;
    }

    internal Task<PromptEntity?> GetPromptEntityAsync(string prompt, CancellationToken cancellationToken) =>
        GetEntityAsync<PromptEntity>(prompt, RowKeys.Prompt, cancellationToken);

    internal async Task<T?> GetEntityAsync<T>(string partition, string row, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        await storage.EnsureCreatedAsync();
        return await storage.Prompts.GetOrNullAsync<T>(partition, row, cancellationToken);
    }

    /// <summary>Names become partition and row keys: they are validated by the callers, and re-checked here.</summary>
    internal static void EnsureKeys(string prompt, string? tag = null)
    {
        if (!Identifiers.IsPromptName(prompt)) throw new ArgumentException(Identifiers.PromptNameRule, nameof(prompt));
        if (tag is not null && !Identifiers.IsTagName(tag)) throw new ArgumentException(Identifiers.TagNameRule, nameof(tag));
    }
}

public sealed record PromptIndexItem(string Name, string? Description, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long VersionCount, string? LatestId);
