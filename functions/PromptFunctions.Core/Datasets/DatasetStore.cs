using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Datasets.Upload;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Datasets;

/// <summary>
/// Dataset versions: content as one canonical JSON Lines blob per version (written create-only under its hash),
/// records and page indexes in Table Storage. Reads fetch only the byte range a page needs, found through the
/// page index, so reading any batch costs the same whatever the version's size. Version records and index
/// slices are immutable and cached; dataset rows (which change) are not.
/// </summary>
public sealed class DatasetStore : IDisposable
{
    /// <summary>Bytes of example lines read from content blobs, tagged with the dataset: what each page costs shows up here.</summary>
    public const string MeterName = "PromptFunctions.Datasets";
    public const string ContentBytesReadInstrument = "promptfunctions.datasets.content_bytes_read";

    private const int IndexRowsPerTransaction = 32;
    private const long VersionRecordCacheSize = 2048;

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> ContentBytesRead = Meter.CreateCounter<long>(ContentBytesReadInstrument, "By", "Example content read from blob storage");

    private readonly DatasetStorage _storage;
    private readonly TimeProvider _clock;
    private readonly ILogger<DatasetStore> _logger;
    private readonly MemoryCache _cache;

    public DatasetStore(DatasetStorage storage, IOptions<DatasetOptions> options, TimeProvider clock, ILogger<DatasetStore> logger)
    {
        _storage = storage;
        _clock = clock;
        _logger = logger;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.IndexCacheBytes });
    }

    public static string BlobName(string dataset, string id) => $"{dataset}/{id}.jsonl";

    internal async Task<CreateDatasetVersionOutcome> CreateVersionAsync(
        string dataset, StagedContent content, DatasetVersionCreation creation, CancellationToken cancellationToken)
    {
        EnsureName(dataset);
        await _storage.EnsureCreatedAsync();
        if (await GetVersionByIdAsync(dataset, content.Id, cancellationToken) is { } existing)
            return new CreateDatasetVersionOutcome.AlreadyExists(existing);

        // Content and index first: a version record only ever points at content that is complete. If the process
        // dies after these writes, they are harmless, and the same upload later finds and reuses them.
        await using (var stream = content.OpenContent())
        {
            // Blocks of 4 MiB, two in flight: the upload's memory is bounded whatever the content's size.
            await _storage.Examples.GetBlobClient(BlobName(dataset, content.Id)).UploadIfAbsentAsync(stream, "application/jsonl", cancellationToken,
                new StorageTransferOptions { InitialTransferSize = 4 * 1024 * 1024, MaximumTransferSize = 4 * 1024 * 1024, MaximumConcurrency = 2 });
        }
        await WriteIndexAsync(dataset, content, cancellationToken);

        var outcome = await SequencedVersions.CreateAsync<DatasetEntity, DatasetVersionRecord>(_storage.Table, dataset, DatasetKeys.Dataset, (row, sequence) =>
        {
            var now = _clock.GetUtcNow();
            var record = new DatasetVersionRecord(dataset, content.Id, sequence, content.ExampleCount, content.ContentBytes,
                content.IndexStride, content.Groups, now, creation.CreatedBy, creation.Message, creation.SourceFormat);
            var updated = row ?? new DatasetEntity { PartitionKey = dataset, CreatedAt = now };
            if (creation.Description is not null) updated.Description = creation.Description;
            updated.UpdatedAt = now;
            updated.LatestId = record.Id;
            updated.LatestExampleCount = record.ExampleCount;
            updated.LatestCreatedAt = now;
            return new VersionRows<DatasetEntity, DatasetVersionRecord>(updated, record,
                DatasetVersionEntity.From(record, DatasetKeys.VersionBySequence(sequence)), DatasetVersionEntity.From(record, DatasetKeys.VersionById(record.Id)));
        }, token => GetVersionByIdAsync(dataset, content.Id, token), cancellationToken);

        switch (outcome)
        {
            case SequencedCreation<DatasetEntity, DatasetVersionRecord>.Created created:
                await UpdateListingAsync(created.Parent, cancellationToken);
                return new CreateDatasetVersionOutcome.Created(created.Record);
            case SequencedCreation<DatasetEntity, DatasetVersionRecord>.AlreadyExists same:
                return new CreateDatasetVersionOutcome.AlreadyExists(same.Record);
            default:
                return new CreateDatasetVersionOutcome.Busy();
        }
    }

    private async Task WriteIndexAsync(string dataset, StagedContent content, CancellationToken cancellationToken)
    {
        var rows = new List<TableTransactionAction>(IndexRowsPerTransaction);
        for (var chunk = 0L; chunk * DatasetKeys.CheckpointsPerChunk < content.Checkpoints.Length; chunk++)
        {
            var from = (int)(chunk * DatasetKeys.CheckpointsPerChunk);
            var slice = content.Checkpoints.AsSpan(from, Math.Min(DatasetKeys.CheckpointsPerChunk, content.Checkpoints.Length - from));
            rows.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new DatasetIndexEntity
            {
                PartitionKey = dataset,
                RowKey = DatasetKeys.IndexChunk(content.Id, chunk),
                Offsets = DatasetIndexEntity.Pack(slice),
            }));
            if (rows.Count == IndexRowsPerTransaction)
            {
                await _storage.Table.SubmitTransactionAsync(rows, cancellationToken);
                rows.Clear();
            }
        }
        if (rows.Count > 0) await _storage.Table.SubmitTransactionAsync(rows, cancellationToken);
    }

    private async Task UpdateListingAsync(DatasetEntity dataset, CancellationToken cancellationToken)
    {
        // The listing only serves GET /datasets; a failure here is repaired by the dataset's next version.
        try
        {
            await _storage.Table.UpsertEntityAsync(new DatasetListEntity
            {
                RowKey = dataset.PartitionKey,
                Description = dataset.Description,
                CreatedAt = dataset.CreatedAt,
                UpdatedAt = dataset.UpdatedAt,
                VersionCount = dataset.VersionCount,
                LatestId = dataset.LatestId,
                LatestExampleCount = dataset.LatestExampleCount,
                LatestCreatedAt = dataset.LatestCreatedAt,
            }, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e)
        {
            _logger.LogWarning(e, "Dataset listing update failed for {Dataset}; the dataset stays readable and its next version repairs the listing", dataset.PartitionKey);
        }
    }

    public async Task<DatasetRecord?> GetDatasetAsync(string dataset, CancellationToken cancellationToken)
    {
        EnsureName(dataset);
        return (await GetEntityAsync<DatasetEntity>(dataset, DatasetKeys.Dataset, cancellationToken))?.ToRecord();
    }

    /// <summary>Datasets in name order; <paramref name="afterName"/> continues after that name.</summary>
    public async Task<ResultPage<DatasetRecord>> ListDatasetsAsync(int limit, string? afterName, CancellationToken cancellationToken)
    {
        await _storage.EnsureCreatedAsync();
        var filter = afterName is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {DatasetKeys.ListPartition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {DatasetKeys.ListPartition} and RowKey gt {afterName}");
        var rows = await _storage.Table.QueryAsync<DatasetListEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var page = rows.Take(limit).Select(r => r.ToRecord()).ToList();
        return new ResultPage<DatasetRecord>(page, rows.Count > limit ? page[^1].Name : null);
    }

    /// <summary>Newest first; <paramref name="afterSequence"/> continues after that sequence number.</summary>
    public async Task<ResultPage<DatasetVersionRecord>> ListVersionsAsync(string dataset, int limit, long? afterSequence, CancellationToken cancellationToken)
    {
        EnsureName(dataset);
        await _storage.EnsureCreatedAsync();
        return await SequencedVersions.ListAsync<DatasetVersionEntity, DatasetVersionRecord>(_storage.Table, dataset, limit, afterSequence, e => e.ToRecord(), r => r.Sequence, cancellationToken);
    }

    /// <summary>A version by its id (64 hex characters) or by <c>v{sequence}</c>; null when there is none.</summary>
    public async Task<DatasetVersionRecord?> GetVersionAsync(string dataset, string reference, CancellationToken cancellationToken)
    {
        EnsureName(dataset);
        if (Identifiers.IsVersionId(reference)) return await GetVersionByIdAsync(dataset, reference, cancellationToken);
        if (TryParseSequence(reference, out var sequence)) return await GetVersionBySequenceAsync(dataset, sequence, cancellationToken);
        return null;
    }

    /// <summary>True for a content id or <c>v{sequence}</c> (no leading zeros).</summary>
    public static bool IsVersionReference(string? reference) => Identifiers.IsVersionId(reference) || TryParseSequence(reference, out _);

    private static bool TryParseSequence(string? reference, out long sequence)
    {
        sequence = 0;
        return reference is { Length: > 1 and <= 11 } && reference[0] == 'v' && reference[1] != '0'
            && long.TryParse(reference.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }

    private async Task<DatasetVersionRecord?> GetVersionByIdAsync(string dataset, string id, CancellationToken cancellationToken)
    {
        var key = (Kind: "id", dataset, id);
        if (_cache.TryGetValue(key, out DatasetVersionRecord? cached)) return cached;
        var entity = await GetEntityAsync<DatasetVersionEntity>(dataset, DatasetKeys.VersionById(id), cancellationToken);
        if (entity is null) return null;
        var record = entity.ToRecord();
        _cache.Set(key, record, new MemoryCacheEntryOptions { Size = VersionRecordCacheSize });
        return record;
    }

    private async Task<DatasetVersionRecord?> GetVersionBySequenceAsync(string dataset, long sequence, CancellationToken cancellationToken)
    {
        // Sequence numbers are never reused (versions are never deleted), so v{n} always names the same version.
        var key = (Kind: "seq", dataset, sequence);
        if (_cache.TryGetValue(key, out DatasetVersionRecord? cached)) return cached;
        var entity = await GetEntityAsync<DatasetVersionEntity>(dataset, DatasetKeys.VersionBySequence(sequence), cancellationToken);
        if (entity is null) return null;
        var record = entity.ToRecord();
        _cache.Set(key, record, new MemoryCacheEntryOptions { Size = VersionRecordCacheSize });
        return record;
    }

    /// <summary>
    /// Reads examples <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="count"/> - 1 of the
    /// version (or of one split, counted within it), in the version's order. Each call reads one byte range per
    /// group it touches: at most <see cref="DatasetVersionRecord.IndexStride"/> - 1 examples more than asked for.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The dataset has no such version.</exception>
    /// <exception cref="ArgumentException">The version has no such split.</exception>
    public async IAsyncEnumerable<DatasetExample> ReadExamplesAsync(
        string dataset, string versionReference, string? split, long offset, int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var version = await GetVersionAsync(dataset, versionReference, cancellationToken)
            ?? throw new KeyNotFoundException($"Dataset '{dataset}' has no version '{versionReference}'.");
        await foreach (var example in ReadExamplesAsync(version, split, offset, count, cancellationToken)) yield return example;
    }

    /// <inheritdoc cref="ReadExamplesAsync(string, string, string?, long, int, CancellationToken)"/>
    public async IAsyncEnumerable<DatasetExample> ReadExamplesAsync(
        DatasetVersionRecord version, string? split, long offset, int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        IEnumerable<DatasetGroup> groups = version.Groups;
        var from = offset;
        if (split is not null)
        {
            var group = version.FindSplit(split) ?? throw new ArgumentException($"Version {version.Id} of dataset '{version.Dataset}' has no split '{split}'.", nameof(split));
            groups = [group];
            from = group.Start + offset;
        }
        var to = from + count;
        foreach (var group in groups)
        {
            var start = Math.Max(from, group.Start);
            var end = Math.Min(to, group.Start + group.Count);
            if (start >= end) continue;
            await foreach (var example in ReadGroupAsync(version, group, start - group.Start, end - group.Start, cancellationToken)) yield return example;
        }
    }

    /// <summary>A page of examples and the offset of the next page (in the same numbering as <paramref name="offset"/>).</summary>
    public async Task<DatasetExamplePage> ReadPageAsync(DatasetVersionRecord version, string? split, long offset, int count, CancellationToken cancellationToken)
    {
        var items = new List<DatasetExample>(Math.Min(count, 1024));
        await foreach (var example in ReadExamplesAsync(version, split, offset, count, cancellationToken)) items.Add(example);
        var total = split is null ? version.ExampleCount : version.FindSplit(split)!.Count;
        var next = offset + items.Count;
        return new DatasetExamplePage(items, items.Count == count && next < total ? next : null);
    }

    private async IAsyncEnumerable<DatasetExample> ReadGroupAsync(
        DatasetVersionRecord version, DatasetGroup group, long localStart, long localEnd, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stride = version.IndexStride;
        var firstCheckpoint = localStart / stride;
        var startByte = await CheckpointAsync(version, group.FirstCheckpoint + firstCheckpoint, cancellationToken);
        var endCheckpoint = (localEnd + stride - 1) / stride;
        var endByte = endCheckpoint < DatasetVersionRecord.CheckpointsOf(group.Count, stride)
            ? await CheckpointAsync(version, group.FirstCheckpoint + endCheckpoint, cancellationToken)
            : group.ByteOffset + group.ByteLength;
        var skip = localStart - firstCheckpoint * stride;

        var blob = _storage.Examples.GetBlobClient(BlobName(version.Dataset, version.Id));
        var download = await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(startByte, endByte - startByte) }, cancellationToken);
        await using var content = download.Value.Content;
        var pipe = PipeReader.Create(content, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        var tags = new TagList { { "dataset", version.Dataset } };
        var index = group.Start + firstCheckpoint * stride;
        var end = group.Start + localEnd;
        try
        {
            while (index < end)
            {
                var result = await pipe.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                var examples = new List<DatasetExample>();
                while (index < end && buffer.PositionOf((byte)'\n') is { } newline)
                {
                    var line = buffer.Slice(0, newline);
                    ContentBytesRead.Add(line.Length + 1, tags);
                    if (skip > 0) skip--;
                    else examples.Add(ParseLine(line, index));
                    index++;
                    buffer = buffer.Slice(buffer.GetPosition(1, newline));
                }
                pipe.AdvanceTo(buffer.Start, buffer.End);
                foreach (var example in examples) yield return example;
                if (result.IsCompleted && index < end)
                    throw new InvalidDataException($"Content of version {version.Id} of dataset '{version.Dataset}' ends before example {index}.");
            }
        }
        finally
        {
            await pipe.CompleteAsync();
        }
    }

    private static DatasetExample ParseLine(ReadOnlySequence<byte> line, long index)
    {
        var node = line.IsSingleSegment ? JsonNode.Parse(line.FirstSpan) : JsonNode.Parse(line.ToArray());
        var obj = node!.AsObject();
        return new DatasetExample(
            obj["id"]!.GetValue<string>(),
            Detach(obj, "input")!.AsObject(),
            Detach(obj, "expected"),
            Detach(obj, "metadata")?.AsObject(),
            obj["split"]?.GetValue<string>(),
            index);
    }

    private static JsonNode? Detach(JsonObject parent, string member)
    {
        if (!parent.TryGetPropertyValue(member, out var node) || node is null) return null;
        parent.Remove(member);
        return node;
    }

    private async Task<long> CheckpointAsync(DatasetVersionRecord version, long checkpoint, CancellationToken cancellationToken)
    {
        var chunk = checkpoint / DatasetKeys.CheckpointsPerChunk;
        var key = (Kind: "idx", version.Dataset, version.Id, chunk);
        if (!_cache.TryGetValue(key, out long[]? offsets))
        {
            var entity = await GetEntityAsync<DatasetIndexEntity>(version.Dataset, DatasetKeys.IndexChunk(version.Id, chunk), cancellationToken)
                ?? throw new InvalidDataException($"Page index of version {version.Id} of dataset '{version.Dataset}' lacks slice {chunk}.");
            offsets = entity.Unpack();
            _cache.Set(key, offsets, new MemoryCacheEntryOptions { Size = offsets.Length * sizeof(long) + 64 });
        }
        return offsets![checkpoint % DatasetKeys.CheckpointsPerChunk];
    }

    private async Task<T?> GetEntityAsync<T>(string partition, string row, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        await _storage.EnsureCreatedAsync();
        return await _storage.Table.GetOrNullAsync<T>(partition, row, cancellationToken);
    }

    /// <summary>Dataset names become partition keys: validated by the callers, and re-checked here.</summary>
    private static void EnsureName(string dataset)
    {
        if (!Identifiers.IsPromptName(dataset)) throw new ArgumentException(DatasetNames.Rule, nameof(dataset));
    }

    public void Dispose() => _cache.Dispose();
}

public static class DatasetNames
{
    public const string Rule = "a dataset name has 1-128 characters: lowercase letters, digits, '_' and '-', starting and ending with a letter or digit";

    public static bool IsValid(string? name) => Identifiers.IsPromptName(name);
}
