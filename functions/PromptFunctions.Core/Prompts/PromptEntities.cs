using System.Globalization;
using System.Runtime.Serialization;
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
/// <remarks>
/// Versions and history belong to a generation of the prompt (<see cref="GenerationKeys"/>): deleting the prompt
/// ends its generation in one write of the prompt row, and the rows of ended generations are purged afterwards.
/// A writer that raced the delete can then only write under the ended generation (and its transaction fails on the
/// prompt row's ETag), and the purge can never remove a row of the generation that re-created the name. Tag rows
/// have no generation: the transaction that ends a generation deletes them all.
/// </remarks>
internal static class RowKeys
{
    public const string Prompt = "prompt";

    public static string Tag(string tag) => $"tag|{tag}";

    public const string TagStart = "tag|";
    public const string TagEnd = "tag}";
}

/// <summary>
/// Row keys of one generation of a prompt. Generation 0 (every prompt until it is first deleted) has the keys
/// without prefix; generation g &gt; 0 prefixes them with <c>g{g:D10}|</c>.
/// </summary>
internal readonly record struct GenerationKeys(long Generation)
{
    private const string PrefixStart = "g";
    private const int PrefixLength = 12;

    private string Prefix => Generation == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"{PrefixStart}{Generation:D10}|");

    /// <summary>Prefix of every version-by-sequence key of the generation, for <see cref="SequencedVersions.ListAsync"/>.</summary>
    public string KeyPrefix => Prefix;

    public string VersionBySequence(long sequence) => Prefix + VersionKeys.BySequence(sequence);

    public string VersionById(string id) => Prefix + VersionKeys.ById(id);

    /// <summary>Inverted so that an ascending scan lists newest history entries first.</summary>
    public string TagHistory(string tag, long number) => $"{Prefix}hist|{tag}|{VersionKeys.Inverted(number)}";

    public string TagHistoryStart(string tag) => $"{Prefix}hist|{tag}|";

    public string TagHistoryEnd(string tag) => $"{Prefix}hist|{tag}}}";

    /// <summary>The generation a row belongs to; null for the prompt row and tag rows, which belong to none.</summary>
    public static long? Of(string rowKey)
    {
        if (rowKey == RowKeys.Prompt || rowKey.StartsWith(RowKeys.TagStart, StringComparison.Ordinal)) return null;
        if (rowKey.Length > PrefixLength && rowKey.StartsWith(PrefixStart, StringComparison.Ordinal) && rowKey[PrefixLength - 1] == '|' &&
            long.TryParse(rowKey.AsSpan(1, PrefixLength - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
            return generation;
        return 0;
    }
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

    /// <summary>The sequence counter: the highest sequence number handed out, in any generation.</summary>
    public long VersionCount { get; set; }

    /// <summary>
    /// How many versions the live generation holds. Rows written before this column existed lack it and report
    /// the sequence counter, which is the count unless versions were deleted.
    /// </summary>
    public long? LiveVersionCount { get; set; }

    /// <summary>
    /// The generation whose rows are the prompt (<see cref="GenerationKeys"/>). Deleting the prompt moves it to the
    /// next one, which a later create of the same name uses.
    /// </summary>
    public long Generation { get; set; }

    /// <summary>
    /// Written by every tag change, in the tag's own transaction under this row's ETag: so a tag change cannot
    /// commit after the prompt was deleted or its target version removed, which both rewrite this row.
    /// </summary>
    public DateTimeOffset? TagsChangedAt { get; set; }

    /// <summary>
    /// Set when the prompt was deleted. The row stays as a tombstone so that sequence numbers are never reused:
    /// a URL with <c>v3</c> names one version for as long as the service exists.
    /// </summary>
    public DateTimeOffset? DeletedAt { get; set; }

    public bool IsDeleted => DeletedAt is not null;

    [IgnoreDataMember]
    public GenerationKeys Keys => new(Generation);

    [IgnoreDataMember]
    public long Versions => LiveVersionCount ?? VersionCount;

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
    public string? LatestOptimizationJson { get; set; }

    public void PointLatestAt(VersionRecord? latest)
    {
        LatestId = latest?.Id;
        LatestSequence = latest?.Sequence;
        LatestCreatedAt = latest?.CreatedAt;
        LatestCreatedBy = latest?.CreatedBy;
        LatestMessage = latest?.Message;
        LatestParent = latest?.Parent;
        LatestExperimentId = latest?.ExperimentId;
        LatestOptimizationJson = VersionLineage.ToJson(latest?.Optimization);
    }

    public VersionRecord? Latest() => LatestId is null
        ? null
        : new VersionRecord(PartitionKey, LatestId, LatestSequence ?? VersionCount, LatestCreatedAt ?? CreatedAt, LatestCreatedBy ?? "", LatestMessage, LatestParent, LatestExperimentId,
            VersionLineage.FromJson(LatestOptimizationJson));

    public PromptRecord ToRecord() => new(PartitionKey, Description, MetadataJson, CreatedAt, UpdatedAt, Versions, Latest());
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
    public string? OptimizationJson { get; set; }

    public VersionRecord ToRecord() => new(PartitionKey, Id, Sequence, CreatedAt, CreatedBy, Message, Parent, ExperimentId, VersionLineage.FromJson(OptimizationJson));

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
        OptimizationJson = VersionLineage.ToJson(record.Optimization),
    };
}

/// <summary>
/// The current target of a tag. A deleted tag stays as a tombstone (<see cref="VersionId"/> null) so that its
/// history numbering continues if it is created again; deleting the prompt removes the row.
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
    public string? VersionOptimizationJson { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";
    public long HistoryCount { get; set; }

    /// <summary>The prompt generation of the tag's latest change: a tombstone left by an ended generation is purged with it.</summary>
    public long Generation { get; set; }

    public bool IsLive => VersionId is not null;

    public TagRecord? ToRecord() => VersionId is null
        ? null
        : new TagRecord(PartitionKey, Name, Target()!, UpdatedAt, UpdatedBy);

    public VersionRecord? Target() => VersionId is null
        ? null
        : new VersionRecord(PartitionKey, VersionId, Sequence ?? 0, VersionCreatedAt ?? UpdatedAt, VersionCreatedBy ?? "", VersionMessage, VersionParent, VersionExperimentId,
            VersionLineage.FromJson(VersionOptimizationJson));

    public void PointAt(VersionRecord? target)
    {
        VersionId = target?.Id;
        Sequence = target?.Sequence;
        VersionCreatedAt = target?.CreatedAt;
        VersionCreatedBy = target?.CreatedBy;
        VersionMessage = target?.Message;
        VersionParent = target?.Parent;
        VersionExperimentId = target?.ExperimentId;
        VersionOptimizationJson = VersionLineage.ToJson(target?.Optimization);
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
