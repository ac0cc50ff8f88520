using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;

using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Datasets;

/// <summary>
/// Row layout of the datasets table. Every row of one dataset shares its partition (the dataset name), so a
/// version's sequence allocation is one entity-group transaction. The listing lives in its own partition, whose
/// name cannot be a dataset name. Row keys use '|' as separator because names and ids never contain it.
/// </summary>
internal static class DatasetKeys
{
    public const string Dataset = "dataset";

    /// <summary>'!' is not allowed in dataset names, so no dataset can own this partition.</summary>
    public const string ListPartition = "!datasets";

    public static string VersionBySequence(long sequence) => VersionKeys.BySequence(sequence);

    public const string VersionBySequenceStart = VersionKeys.BySequenceStart;
    public const string VersionBySequenceEnd = VersionKeys.BySequenceEnd;

    public static string VersionById(string id) => VersionKeys.ById(id);

    public static string IndexChunk(string id, long chunk) => $"idx|{id}|{chunk.ToString("D6", CultureInfo.InvariantCulture)}";

    /// <summary>Checkpoints per index row: 8 bytes each, under the 64 KiB limit of a binary property.</summary>
    public const int CheckpointsPerChunk = 8000;
}

internal sealed class DatasetEntity : ISequencedParent
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = DatasetKeys.Dataset;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long VersionCount { get; set; }
    public string? LatestId { get; set; }
    public long LatestExampleCount { get; set; }
    public DateTimeOffset? LatestCreatedAt { get; set; }

    public DatasetRecord ToRecord() => Record(PartitionKey, Description, CreatedAt, UpdatedAt, VersionCount, LatestId, LatestExampleCount, LatestCreatedAt);

    /// <summary>The dataset as its own row and its listing row both describe it.</summary>
    public static DatasetRecord Record(string name, string? description, DateTimeOffset createdAt, DateTimeOffset updatedAt, long versionCount,
        string? latestId, long latestExampleCount, DateTimeOffset? latestCreatedAt) =>
        new(name, description, createdAt, updatedAt, versionCount,
            latestId is null ? null : new DatasetVersionSummary(latestId, versionCount, latestExampleCount, latestCreatedAt ?? updatedAt));
}

/// <summary>The same record under two keys: by sequence (for listing, newest first) and by id (for lookups).</summary>
internal sealed class DatasetVersionEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Id { get; set; } = "";
    public long Sequence { get; set; }
    public long ExampleCount { get; set; }
    public long ContentBytes { get; set; }
    public int IndexStride { get; set; }
    public string GroupsJson { get; set; } = "[]";
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public string? Message { get; set; }
    public string SourceFormat { get; set; } = "";

    public DatasetVersionRecord ToRecord() => new(PartitionKey, Id, Sequence, ExampleCount, ContentBytes, IndexStride, ParseGroups(GroupsJson),
        CreatedAt, CreatedBy, Message, SourceFormat);

    public static DatasetVersionEntity From(DatasetVersionRecord record, string rowKey) => new()
    {
        PartitionKey = record.Dataset,
        RowKey = rowKey,
        Id = record.Id,
        Sequence = record.Sequence,
        ExampleCount = record.ExampleCount,
        ContentBytes = record.ContentBytes,
        IndexStride = record.IndexStride,
        GroupsJson = FormatGroups(record.Groups),
        CreatedAt = record.CreatedAt,
        CreatedBy = record.CreatedBy,
        Message = record.Message,
        SourceFormat = record.SourceFormat,
    };

    private static string FormatGroups(IReadOnlyList<DatasetGroup> groups) => new JsonArray(groups.Select(g => (JsonNode?)new JsonObject
    {
        ["name"] = g.Name,
        ["count"] = g.Count,
        ["start"] = g.Start,
        ["offset"] = g.ByteOffset,
        ["bytes"] = g.ByteLength,
        ["checkpoint"] = g.FirstCheckpoint,
    }).ToArray()).ToJsonString();

    private static List<DatasetGroup> ParseGroups(string json) => JsonNode.Parse(json)!.AsArray().Select(n => new DatasetGroup(
        n!["name"]?.GetValue<string>(),
        n["count"]!.GetValue<long>(),
        n["start"]!.GetValue<long>(),
        n["offset"]!.GetValue<long>(),
        n["bytes"]!.GetValue<long>(),
        n["checkpoint"]!.GetValue<long>())).ToList();
}

/// <summary>A slice of a version's page index: byte offsets of checkpoints, little-endian 64-bit.</summary>
internal sealed class DatasetIndexEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public byte[] Offsets { get; set; } = [];

    public static byte[] Pack(ReadOnlySpan<long> offsets)
    {
        var bytes = new byte[offsets.Length * sizeof(long)];
        for (var i = 0; i < offsets.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), offsets[i]);
        return bytes;
    }

    public long[] Unpack()
    {
        var offsets = new long[Offsets.Length / sizeof(long)];
        for (var i = 0; i < offsets.Length; i++) offsets[i] = BinaryPrimitives.ReadInt64LittleEndian(Offsets.AsSpan(i * sizeof(long)));
        return offsets;
    }
}

/// <summary>One row per dataset in <see cref="DatasetKeys.ListPartition"/>, for listing without scanning the table.</summary>
internal sealed class DatasetListEntity : ITableEntity
{
    public string PartitionKey { get; set; } = DatasetKeys.ListPartition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long VersionCount { get; set; }
    public string? LatestId { get; set; }
    public long LatestExampleCount { get; set; }
    public DateTimeOffset? LatestCreatedAt { get; set; }

    public DatasetRecord ToRecord() => DatasetEntity.Record(RowKey, Description, CreatedAt, UpdatedAt, VersionCount, LatestId, LatestExampleCount, LatestCreatedAt);
}
