using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace PromptFunctions.Core.Suites;

/// <summary>A suite's definition, partition = suite name. Its schedule state and run index share the partition.</summary>
internal sealed class SuiteEntity : ITableEntity
{
    public const string Row = "suite";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The normalized definition (the <c>SuiteDefinition</c> contract with every default filled in).</summary>
    public string DefinitionJson { get; set; } = "{}";
    /// <summary>Content hash of <see cref="DefinitionJson"/>: the suite's HTTP entity tag.</summary>
    public string Hash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";
}

/// <summary>
/// Where a suite's schedule stands. Kept apart from the definition so that the scheduler moving
/// <see cref="Watermark"/> every tick never changes the suite's entity tag under a client's If-Match.
/// </summary>
internal sealed class SuiteScheduleEntity : ITableEntity
{
    public const string Row = "schedule";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Cron { get; set; } = "";
    public string TimeZone { get; set; } = "UTC";
    public bool Enabled { get; set; }
    /// <summary>Occurrences at or before this instant are handled (run, or before the schedule existed).</summary>
    public DateTimeOffset Watermark { get; set; }
}

/// <summary>Newest-first index of a suite's runs.</summary>
internal sealed class SuiteRunIndexEntity : ITableEntity
{
    public const string Prefix = "run|";
    public const string PrefixEnd = "run}";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string RunId { get; set; } = "";

    public static string Key(DateTimeOffset createdAt, string id) =>
        $"{Prefix}{(DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture)}|{id}";
}

/// <summary>One suite run, partition = run id.</summary>
internal sealed class SuiteRunEntity : ITableEntity
{
    public const string Row = "run";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Suite { get; set; } = "";
    public string Status { get; set; } = SuiteRunStatus.Queued;
    public string Trigger { get; set; } = SuiteRunTriggers.Manual;
    public DateTimeOffset? ScheduledFor { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>The suite's definition when the run was created: a later PUT does not change a run in flight.</summary>
    public string DefinitionJson { get; set; } = "{}";
    public string? PromptVersionId { get; set; }
    public long? PromptSequence { get; set; }
    public string? DatasetVersionId { get; set; }
    public long? Examples { get; set; }
    public string? BaselineJson { get; set; }
    public string CandidatesJson { get; set; } = "[]";
    public string? Verdict { get; set; }
    /// <summary>Verdicts and drift as one JSON report, inline when it fits a table property, else in <see cref="ReportBlob"/>.</summary>
    public string? ReportJson { get; set; }
    public string? ReportBlob { get; set; }
    public string? Error { get; set; }
    /// <summary>The <c>SuiteRunOptimization</c> contract, when the run regressed and its suite asks for an optimization.</summary>
    public string? OptimizationJson { get; set; }
}

/// <summary>
/// A regressed run whose optimization is not started yet, in the runs table's partition <see cref="Partition"/> (never
/// a run id, which is 32 hex characters); row = run id. Written before the run turns completed, removed once the
/// start is recorded on the run: the starter reads this partition instead of scanning every run.
/// </summary>
internal sealed class SuitePendingOptimizationEntity : ITableEntity
{
    public const string Partition = "pending-optimizations";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
}
