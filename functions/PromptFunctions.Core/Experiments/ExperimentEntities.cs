using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace PromptFunctions.Core.Experiments;

public static class ExperimentStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string status) => status is Completed or Failed or Cancelled;
}

/// <summary>
/// One experiment: what ran (prompt version or draft, dataset version, model, evaluators) and how it went. Row
/// results live in the same partition (the experiment id), so one partition scan reads a whole experiment.
/// </summary>
internal sealed class ExperimentEntity : ITableEntity
{
    public const string Row = "experiment";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? MetadataJson { get; set; }
    public string PromptName { get; set; } = "";
    public string PromptVersionId { get; set; } = "";
    public string? PromptTag { get; set; }
    public long? PromptSequence { get; set; }
    /// <summary>The normalized content of an unsaved draft; null when a stored version ran.</summary>
    public string? DraftJson { get; set; }
    /// <summary>The version a draft was derived from; promotion records it as the new version's parent.</summary>
    public string? DraftParentId { get; set; }
    public string DatasetName { get; set; } = "";
    public string DatasetVersionId { get; set; } = "";
    public string? Split { get; set; }
    public long RowCount { get; set; }
    public int Repetitions { get; set; } = 1;
    public string Connection { get; set; } = "";
    public string Model { get; set; } = "";
    public string InvocationParametersJson { get; set; } = "{}";
    public string EvaluatorsJson { get; set; } = "[]";
    public string CacheMode { get; set; } = "fresh";
    public int MaxConcurrency { get; set; }
    public string Status { get; set; } = ExperimentStatus.Queued;
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? Error { get; set; }
    public string? AggregatesJson { get; set; }
    public string? PromotedVersionId { get; set; }

    /// <summary>
    /// Set when some JSON values were longer than a table property holds (<see cref="Storage.TableLimits"/>): the
    /// blob holds those values by property name, and their properties here are empty.
    /// </summary>
    public string? LargeValuesBlob { get; set; }
}

/// <summary>Newest-first listing of experiments, with what the list filters on.</summary>
internal sealed class ExperimentIndexEntity : ITableEntity
{
    public const string Partition = "index";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ExperimentId { get; set; } = "";
    public string PromptName { get; set; } = "";
    public string DatasetName { get; set; } = "";

    public static string Key(DateTimeOffset createdAt, string id) =>
        $"{(DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture)}|{id}";
}

/// <summary>The result of one example at one repetition. Its key is deterministic, so a replayed batch overwrites rather than duplicates.</summary>
internal sealed class ExperimentRowEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ExampleId { get; set; } = "";
    public long Index { get; set; }
    public int Repetition { get; set; }
    public string? Output { get; set; }
    /// <summary>Set when the output exceeded what a table property holds; the output is then in this blob.</summary>
    public string? OutputBlob { get; set; }
    public string ScoresJson { get; set; } = "[]";
    /// <summary>Set when the scores (a judge's explanations) exceeded what a table property holds; they are then in this blob.</summary>
    public string? ScoresBlob { get; set; }
    public double LatencyMs { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public double Cost { get; set; }
    public string? Error { get; set; }

    public const string Prefix = "r|";
    public const string PrefixEnd = "r}";

    public static string Key(long index, int repetition) =>
        $"r|{index.ToString("D9", CultureInfo.InvariantCulture)}|{repetition.ToString("D3", CultureInfo.InvariantCulture)}";
}

/// <summary>Written when a batch finishes: progress is the sum of these, without counting rows.</summary>
internal sealed class ExperimentBatchEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public int Units { get; set; }
    public int Errors { get; set; }

    public const string Prefix = "b|";
    public const string PrefixEnd = "b}";

    public static string Key(int batch) => $"b|{batch.ToString("D6", CultureInfo.InvariantCulture)}";
}
