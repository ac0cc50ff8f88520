using Azure;
using Azure.Data.Tables;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Prompts;

/// <summary>
/// Row layout of the prompts table. Every row of one prompt shares its partition (the prompt name), so a
/// version's sequence allocation and a tag's move plus its history entry are each one entity-group transaction.
/// Row keys use '|' as separator because names never contain it.
/// </summary>
internal static class RowKeys
{
    public const string Prompt = "prompt";

    public static string VersionBySequence(long sequence) => VersionKeys.BySequence(sequence);

    public const string VersionBySequenceStart = VersionKeys.BySequenceStart;
    public const string VersionBySequenceEnd = VersionKeys.BySequenceEnd;

    public static string VersionById(string id) => VersionKeys.ById(id);

    public static string Tag(string tag) => $"tag|{tag}";

    public const string TagStart = "tag|";
    public const string TagEnd = "tag}";

    /// <summary>Inverted so that an ascending scan lists newest history entries first.</summary>
    public static string TagHistory(string tag, long number) => $"hist|{tag}|{VersionKeys.Inverted(number)}";

    public static string TagHistoryStart(string tag) => $"hist|{tag}|";

    public static string TagHistoryEnd(string tag) => $"hist|{tag}}}";
}

internal sealed class PromptEntity : ISequencedParent
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = RowKeys.Prompt;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Description { get; set; }
    public string? MetadataJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long VersionCount { get; set; }

    /// <summary>
    /// Set when the prompt was deleted. The row stays as a tombstone so that sequence numbers are never reused:
    /// a URL with <c>v3</c> names one version for as long as the service exists.
    /// </summary>
    public DateTimeOffset? DeletedAt { get; set; }

    public bool IsDeleted => DeletedAt is not null;

    // The latest version's record is copied here so that fetching "latest" costs one row read and one blob read.
    public string? LatestId { get; set; }

    /// <summary>
    /// The latest version's sequence number. It equals <see cref="VersionCount"/> until the newest version is
    /// deleted on its own; rows written before this column existed lack it and fall back to the counter.
    /// </summary>
    public long? LatestSequence { get; set; }

    public DateTimeOffset? LatestCreatedAt { get; set; }
    public string? LatestCreatedBy { get; set; }
    public string? LatestMessage { get; set; }
    public string? LatestParent { get; set; }
    public string? LatestExperimentId { get; set; }

    public void PointLatestAt(VersionRecord? latest)
    {
        LatestId = latest?.Id;
        LatestSequence = latest?.Sequence;
        LatestCreatedAt = latest?.CreatedAt;
        LatestCreatedBy = latest?.CreatedBy;
        LatestMessage = latest?.Message;
        LatestParent = latest?.Parent;
        LatestExperimentId = latest?.ExperimentId;
    }

    public VersionRecord? Latest() => LatestId is null
        ? null
        : new VersionRecord(PartitionKey, LatestId, LatestSequence ?? VersionCount, LatestCreatedAt ?? CreatedAt, LatestCreatedBy ?? "", LatestMessage, LatestParent, LatestExperimentId);

    public PromptRecord ToRecord() => new(PartitionKey, Description, MetadataJson, CreatedAt, UpdatedAt, VersionCount, Latest());
}

internal sealed class VersionEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Id { get; set; } = "";
    public long Sequence { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public string? Message { get; set; }
    public string? Parent { get; set; }
    public string? ExperimentId { get; set; }

    public VersionRecord ToRecord() => new(PartitionKey, Id, Sequence, CreatedAt, CreatedBy, Message, Parent, ExperimentId);

    public static VersionEntity From(VersionRecord record, string rowKey) => new()
    {
        PartitionKey = record.Prompt,
        RowKey = rowKey,
        Id = record.Id,
        Sequence = record.Sequence,
        CreatedAt = record.CreatedAt,
        CreatedBy = record.CreatedBy,
        Message = record.Message,
        Parent = record.Parent,
        ExperimentId = record.ExperimentId,
    };
}

/// <summary>
/// The current target of a tag. A deleted tag stays as a tombstone (<see cref="VersionId"/> null) so that its
/// history numbering continues if it is created again.
/// </summary>
internal sealed class TagEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = "";
    public string? VersionId { get; set; }
    public long? Sequence { get; set; }
    public DateTimeOffset? VersionCreatedAt { get; set; }
    public string? VersionCreatedBy { get; set; }
    public string? VersionMessage { get; set; }
    public string? VersionParent { get; set; }
    public string? VersionExperimentId { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";
    public long HistoryCount { get; set; }

    public bool IsLive => VersionId is not null;

    public TagRecord? ToRecord() => VersionId is null
        ? null
        : new TagRecord(PartitionKey, Name, Target()!, UpdatedAt, UpdatedBy);

    public VersionRecord? Target() => VersionId is null
        ? null
        : new VersionRecord(PartitionKey, VersionId, Sequence ?? 0, VersionCreatedAt ?? UpdatedAt, VersionCreatedBy ?? "", VersionMessage, VersionParent, VersionExperimentId);

    public void PointAt(VersionRecord? target)
    {
        VersionId = target?.Id;
        Sequence = target?.Sequence;
        VersionCreatedAt = target?.CreatedAt;
        VersionCreatedBy = target?.CreatedBy;
        VersionMessage = target?.Message;
        VersionParent = target?.Parent;
        VersionExperimentId = target?.ExperimentId;
    }
}

internal sealed class TagHistoryEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Tag { get; set; } = "";
    public long Number { get; set; }
    public string Action { get; set; } = "";
    public string? FromVersion { get; set; }
    public long? FromSequence { get; set; }
    public string? ToVersion { get; set; }
    public long? ToSequence { get; set; }
    public string Actor { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public string? Reason { get; set; }

    public TagHistoryEntry ToEntry() => new(PartitionKey, Tag, Number, Action, FromVersion, FromSequence, ToVersion, ToSequence, Actor, At, Reason);
}

/// <summary>One row per prompt in a single partition, for listing prompts without scanning the prompts table.</summary>
internal sealed class PromptIndexEntity : ITableEntity
{
    public const string Partition = "p";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long VersionCount { get; set; }
    public string? LatestId { get; set; }
    public string? Description { get; set; }
}
