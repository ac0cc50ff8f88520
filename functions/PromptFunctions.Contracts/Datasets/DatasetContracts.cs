using System.Text.Json.Serialization;

namespace PromptFunctions.Contracts.Datasets;

/// <summary>A dataset: its name, description, how many versions it has and which is newest.</summary>
public sealed record DatasetInfo(string Name, string? Description, long VersionCount, DatasetVersionBrief? Latest, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>The newest version of a dataset, in brief.</summary>
public sealed record DatasetVersionBrief(string Id, long Sequence, long ExampleCount, DateTimeOffset CreatedAt);

/// <summary>How many examples a split of a dataset version holds.</summary>
public sealed record SplitCount(string? Name, long Count);

/// <summary>One immutable version of a dataset.</summary>
public record DatasetVersionInfo(
    string Dataset,
    string Id,
    long Sequence,
    long ExampleCount,
    IReadOnlyList<SplitCount> Splits,
    long ContentBytes,
    string SourceFormat,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null);

/// <summary>The answer to an upload: the version, and whether this upload created it (false when identical content existed).</summary>
public sealed record CreatedDatasetVersion(
    string Dataset,
    string Id,
    long Sequence,
    long ExampleCount,
    IReadOnlyList<SplitCount> Splits,
    long ContentBytes,
    string SourceFormat,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string? Message,
    [property: JsonPropertyOrder(1)] bool Created)
    : DatasetVersionInfo(Dataset, Id, Sequence, ExampleCount, Splits, ContentBytes, SourceFormat, CreatedAt, CreatedBy, Message);
