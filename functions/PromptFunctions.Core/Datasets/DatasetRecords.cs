using System.Text.Json.Nodes;

namespace PromptFunctions.Core.Datasets;

/// <summary>
/// One example of a dataset version, as the experiment engine and the examples API see it.
/// </summary>
/// <param name="Id">Given by the uploader, or derived from the content (see docs/datasets.md).</param>
/// <param name="Index">Position in the version, 0-based, counted over all splits in the version's order.</param>
public sealed record DatasetExample(string Id, JsonObject Input, JsonNode? Expected, JsonObject? Metadata, string? Split, long Index);

/// <summary>
/// A run of examples that share a split. A version stores its groups one after another (examples without a split
/// first, then splits in ordinal name order), each in upload order, so a split is one contiguous byte range.
/// </summary>
/// <param name="Name">The split, or null for examples without one.</param>
/// <param name="Start">Index of the group's first example in the version.</param>
/// <param name="ByteOffset">Offset of the group's first line in the content blob.</param>
/// <param name="FirstCheckpoint">Position of the group's first checkpoint in the version's page index.</param>
public sealed record DatasetGroup(string? Name, long Count, long Start, long ByteOffset, long ByteLength, long FirstCheckpoint);

/// <summary>An immutable dataset version: who made it, and where each split lies in its content blob.</summary>
/// <param name="Id">Lowercase hex SHA-256 of the content blob.</param>
/// <param name="IndexStride">The page index holds the byte offset of every <c>IndexStride</c>-th example of each group.</param>
/// <param name="SourceFormat">The format of the upload that created it: json, csv or jsonl.</param>
public sealed record DatasetVersionRecord(
    string Dataset,
    string Id,
    long Sequence,
    long ExampleCount,
    long ContentBytes,
    int IndexStride,
    IReadOnlyList<DatasetGroup> Groups,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string? Message,
    string SourceFormat)
{
    public long CheckpointCount => Groups.Sum(g => CheckpointsOf(g.Count, IndexStride));

    /// <summary>The named splits with their counts, in the version's order.</summary>
    public IEnumerable<DatasetGroup> Splits => Groups.Where(g => g.Name is not null);

    public DatasetGroup? FindSplit(string split) => Groups.FirstOrDefault(g => g.Name == split);

    public static long CheckpointsOf(long count, int stride) => (count + stride - 1) / stride;
}

public sealed record DatasetRecord(
    string Name,
    string? Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long VersionCount,
    DatasetVersionSummary? Latest);

public sealed record DatasetVersionSummary(string Id, long Sequence, long ExampleCount, DateTimeOffset CreatedAt);

/// <summary>A page of examples, and the offset that continues it (null after the last example).</summary>
public sealed record DatasetExamplePage(IReadOnlyList<DatasetExample> Items, long? NextOffset);

/// <summary>What creating a version did; storage conditions surface here as results, never as exceptions.</summary>
public abstract record CreateDatasetVersionOutcome
{
    public sealed record Created(DatasetVersionRecord Version) : CreateDatasetVersionOutcome;

    /// <summary>Identical content already existed in this dataset; nothing was written.</summary>
    public sealed record AlreadyExists(DatasetVersionRecord Version) : CreateDatasetVersionOutcome;

    /// <summary>The dataset row kept changing under concurrent uploads until the attempts ran out; nothing was written.</summary>
    public sealed record Busy : CreateDatasetVersionOutcome;
}

/// <param name="Description">Replaces the dataset's description when given; null leaves it as it is.</param>
public sealed record DatasetVersionCreation(string CreatedBy, string? Message, string? Description, string SourceFormat);
