using System.Net;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Experiments;

/// <summary>What an experiment ran and how it went, as the API and the engine see it.</summary>
public sealed record ExperimentRecord(
    string Id,
    string? Name,
    string? Description,
    string? MetadataJson,
    string PromptName,
    string PromptVersionId,
    long? PromptSequence,
    string? DraftJson,
    string? DraftParentId,
    string DatasetName,
    string DatasetVersionId,
    string? Split,
    long RowCount,
    int Repetitions,
    string Connection,
    string Model,
    string InvocationParametersJson,
    string EvaluatorsJson,
    string CacheMode,
    int MaxConcurrency,
    string Status,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? Error,
    string? AggregatesJson,
    string? PromotedVersionId)
{
    public long Units => RowCount * Repetitions;

    /// <summary>The tag the prompt version was resolved from when the experiment started; null when asked for by version, as latest or as a draft.</summary>
    public string? PromptTag { get; init; }

    internal static ExperimentRecord From(ExperimentEntity e) => new(
        e.PartitionKey, e.Name, e.Description, e.MetadataJson, e.PromptName, e.PromptVersionId, e.PromptSequence, e.DraftJson, e.DraftParentId,
        e.DatasetName, e.DatasetVersionId, e.Split, e.RowCount, e.Repetitions, e.Connection, e.Model, e.InvocationParametersJson,
        e.EvaluatorsJson, e.CacheMode, e.MaxConcurrency, e.Status, e.CreatedAt, e.CreatedBy, e.StartedAt, e.CompletedAt, e.Error,
        e.AggregatesJson, e.PromotedVersionId) { PromptTag = e.PromptTag };

    internal ExperimentEntity ToEntity() => new()
    {
        PartitionKey = Id, Name = Name, Description = Description, MetadataJson = MetadataJson, PromptName = PromptName, PromptTag = PromptTag,
        PromptVersionId = PromptVersionId, PromptSequence = PromptSequence, DraftJson = DraftJson, DraftParentId = DraftParentId, DatasetName = DatasetName,
        DatasetVersionId = DatasetVersionId, Split = Split, RowCount = RowCount, Repetitions = Repetitions, Connection = Connection,
        Model = Model, InvocationParametersJson = InvocationParametersJson, EvaluatorsJson = EvaluatorsJson, CacheMode = CacheMode,
        MaxConcurrency = MaxConcurrency, Status = Status, CreatedAt = CreatedAt, CreatedBy = CreatedBy, StartedAt = StartedAt,
        CompletedAt = CompletedAt, Error = Error, AggregatesJson = AggregatesJson, PromotedVersionId = PromotedVersionId,
    };
}

/// <summary>One row result: an example at one repetition.</summary>
public sealed record ExperimentRowResult(
    string ExampleId,
    long Index,
    int Repetition,
    string? Output,
    string ScoresJson,
    double LatencyMs,
    long InputTokens,
    long OutputTokens,
    double Cost,
    string? Error);

/// <summary>What a status transition did.</summary>
public abstract record ExperimentTransition
{
    public sealed record Changed(ExperimentRecord Record) : ExperimentTransition;

    public sealed record NotFound : ExperimentTransition;

    /// <summary>The experiment's status did not allow the transition; <paramref name="Status"/> is what it is.</summary>
    public sealed record WrongStatus(string Status) : ExperimentTransition;

    /// <summary>The row kept changing under concurrent writers until the attempts ran out.</summary>
    public sealed record Busy : ExperimentTransition;
}

/// <summary>Experiments, their row results and batch progress in one table, partitioned by experiment id.</summary>
public sealed class ExperimentStore(StorageClients storage)
{
    // Table string properties hold 64 KiB (32K UTF-16 characters); longer outputs go to a blob.
    private const int MaxInlineOutputChars = TableLimits.MaxInlineChars;

    private TableClient Table => storage.Experiments;

    public static bool IsExperimentId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    public async Task CreateAsync(ExperimentRecord record, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        await Table.AddEntityAsync(await ToStoredEntityAsync(record, cancellationToken), cancellationToken);
        await Table.UpsertEntityAsync(new ExperimentIndexEntity
        {
            RowKey = ExperimentIndexEntity.Key(record.CreatedAt, record.Id),
            ExperimentId = record.Id,
            PromptName = record.PromptName,
            DatasetName = record.DatasetName,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<ExperimentRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsExperimentId(id)) return null;
        await storage.EnsureCreatedAsync();
        return await Table.GetOrNullAsync<ExperimentEntity>(id, ExperimentEntity.Row, cancellationToken) is { } entity ? await ToRecordAsync(entity, cancellationToken) : null;
    }

    /// <summary>
    /// Applies <paramref name="change"/> if the experiment's status is one of <paramref name="from"/>, guarded by the
    /// row's ETag (a concurrent change makes it read and decide again).
    /// </summary>
    public async Task<ExperimentTransition> TransitionAsync(string id, string[] from, Func<ExperimentRecord, ExperimentRecord> change, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        return await OptimisticConcurrency.RunAsync<ExperimentTransition>(async _ =>
        {
            var current = await Table.GetOrNullAsync<ExperimentEntity>(id, ExperimentEntity.Row, cancellationToken);
            if (current is null) return OptimisticConcurrency.Finish<ExperimentTransition>(new ExperimentTransition.NotFound());
            if (!from.Contains(current.Status)) return OptimisticConcurrency.Finish<ExperimentTransition>(new ExperimentTransition.WrongStatus(current.Status));
            var changed = change(await ToRecordAsync(current, cancellationToken));
            await Table.UpdateEntityAsync(await ToStoredEntityAsync(changed, cancellationToken), current.ETag, TableUpdateMode.Replace, cancellationToken);
            return OptimisticConcurrency.Finish<ExperimentTransition>(new ExperimentTransition.Changed(changed));
        }, () => new ExperimentTransition.Busy(), cancellationToken);
    }

    /// <summary>
    /// Upserts a batch's row results and its progress record; writing the same batch again (a replayed
    /// activity) leaves one copy of each. The progress record rides in the last transaction, so progress never
    /// counts rows that are not stored.
    /// </summary>
    public async Task WriteBatchAsync(string id, int batch, IReadOnlyList<ExperimentRowResult> rows, int units, int errors, CancellationToken cancellationToken)
    {
        var actions = await WriteRowsAsync(id, rows, cancellationToken);
        actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace,
            new ExperimentBatchEntity { PartitionKey = id, RowKey = ExperimentBatchEntity.Key(batch), Units = units, Errors = errors }));
        await Table.SubmitTransactionAsync(actions, cancellationToken);
    }

    /// <summary>Upserts row results in transactions of 100; returns the last, partial transaction unsent.</summary>
    public async Task<List<TableTransactionAction>> WriteRowsAsync(string id, IReadOnlyList<ExperimentRowResult> rows, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>(100);
        foreach (var row in rows)
        {
            var entity = new ExperimentRowEntity
            {
                PartitionKey = id,
                RowKey = ExperimentRowEntity.Key(row.Index, row.Repetition),
                ExampleId = row.ExampleId,
                Index = row.Index,
                Repetition = row.Repetition,
                Output = row.Output,
                ScoresJson = row.ScoresJson,
                LatencyMs = row.LatencyMs,
                InputTokens = row.InputTokens,
                OutputTokens = row.OutputTokens,
                Cost = row.Cost,
                Error = Truncate(row.Error, 4000),
            };
            if (row.Output is { Length: > MaxInlineOutputChars })
            {
                var blobName = $"{id}/{entity.RowKey.Replace('|', '-')}.txt";
                await storage.ExperimentOutputs.GetBlobClient(blobName).UploadAsync(BinaryData.FromString(row.Output), overwrite: true, cancellationToken);
                entity.Output = null;
                entity.OutputBlob = blobName;
            }
            if (!TableLimits.FitsInline(row.ScoresJson))
            {
                var blobName = $"{id}/{entity.RowKey.Replace('|', '-')}.scores.json";
                await storage.ExperimentOutputs.GetBlobClient(blobName).UploadAsync(BinaryData.FromString(row.ScoresJson), overwrite: true, cancellationToken);
                entity.ScoresJson = "[]";
                entity.ScoresBlob = blobName;
            }
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
            if (actions.Count == 100)
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken);
                actions.Clear();
            }
        }
        return actions;
    }

    /// <summary>
    /// The start-up warm-up's pass over every kind of write and read an experiment makes, so the first experiment after a
    /// start does not pay for each one's first use (the SDK's entity binding, the batch transaction, the ETag-guarded
    /// update): the record is created, its index entry written (into the record's own partition, so no list shows it),
    /// moved to running, read, a row and its batch record written, progress and rows read, and everything deleted.
    /// <paramref name="record"/>'s id must be one no experiment can have, and new to each call.
    /// </summary>
    public async Task ExerciseAsync(ExperimentRecord record, ExperimentRowResult row, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var id = record.Id;
        var index = new ExperimentIndexEntity { PartitionKey = id, RowKey = "index", ExperimentId = id, PromptName = record.PromptName, DatasetName = record.DatasetName };
        try
        {
            await Table.AddEntityAsync(await ToStoredEntityAsync(record, cancellationToken), cancellationToken);
            await Table.UpsertEntityAsync(index, TableUpdateMode.Replace, cancellationToken);
            await TransitionAsync(id, [ExperimentStatus.Queued], r => r with { Status = ExperimentStatus.Running, StartedAt = r.CreatedAt }, cancellationToken);
            await GetAsync(id, cancellationToken);
            await WriteBatchAsync(id, 0, [row], 1, row.Error is null ? 0 : 1, cancellationToken);
            await ProgressAsync(id, cancellationToken);
            await foreach (var _ in ReadRowsAsync(id, cancellationToken)) { }
        }
        finally
        {
            // One delete each, all attempted (not a transaction, which fails when one is missing): deleting an entity
            // that is not there succeeds, so whatever was written goes.
            string[] keys = [ExperimentEntity.Row, index.RowKey, ExperimentRowEntity.Key(row.Index, row.Repetition), ExperimentBatchEntity.Key(0)];
            await Task.WhenAll(keys.Select(key => Table.DeleteEntityAsync(id, key, ETag.All, CancellationToken.None)));
        }
    }

    /// <summary>Units finished and how many of them failed, summed over completed batches.</summary>
    public async Task<(long Done, long Errors)> ProgressAsync(string id, CancellationToken cancellationToken)
    {
        long done = 0, errors = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey gt {ExperimentBatchEntity.Prefix} and RowKey lt {ExperimentBatchEntity.PrefixEnd}");
        await foreach (var batch in Table.QueryAsync<ExperimentBatchEntity>(filter, cancellationToken: cancellationToken))
        {
            done += batch.Units;
            errors += batch.Errors;
        }
        return (done, errors);
    }

    /// <summary>Rows in example order, then repetition; <paramref name="afterKey"/> continues a previous page.</summary>
    public async Task<ResultPage<ExperimentRowResult>> ListRowsAsync(string id, int limit, string? afterKey, CancellationToken cancellationToken)
    {
        var rows = new List<ExperimentRowResult>(limit);
        string? lastKey = null;
        var more = false;
        await foreach (var (key, row) in ReadRowsWithKeysAsync(id, afterKey, cancellationToken))
        {
            if (rows.Count == limit)
            {
                more = true;
                break;
            }
            rows.Add(row);
            lastKey = key;
        }
        return new ResultPage<ExperimentRowResult>(rows, more ? lastKey : null);
    }

    public async IAsyncEnumerable<ExperimentRowResult> ReadRowsAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (_, row) in ReadRowsWithKeysAsync(id, null, cancellationToken)) yield return row;
    }

    private async IAsyncEnumerable<(string Key, ExperimentRowResult Row)> ReadRowsWithKeysAsync(string id, string? afterKey, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = afterKey ?? ExperimentRowEntity.Prefix;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey gt {from} and RowKey lt {ExperimentRowEntity.PrefixEnd}");
        await foreach (var entity in Table.QueryAsync<ExperimentRowEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            var output = entity.Output;
            if (entity.OutputBlob is { } blobName)
                output = (await storage.ExperimentOutputs.GetBlobClient(blobName).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
            var scores = entity.ScoresJson;
            if (entity.ScoresBlob is { } scoresBlob)
                scores = (await storage.ExperimentOutputs.GetBlobClient(scoresBlob).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
            yield return (entity.RowKey, new ExperimentRowResult(entity.ExampleId, entity.Index, entity.Repetition, output, scores,
                entity.LatencyMs, entity.InputTokens, entity.OutputTokens, entity.Cost, entity.Error));
        }
    }

    /// <summary>Newest first, optionally only those of one prompt and/or one dataset.</summary>
    public async Task<ResultPage<ExperimentRecord>> ListAsync(string? prompt, string? dataset, int limit, string? afterKey, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var filter = afterKey is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {ExperimentIndexEntity.Partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {ExperimentIndexEntity.Partition} and RowKey gt {afterKey}");
        if (prompt is not null) filter += " and " + TableClient.CreateQueryFilter($"PromptName eq {prompt}");
        if (dataset is not null) filter += " and " + TableClient.CreateQueryFilter($"DatasetName eq {dataset}");
        var entries = await Table.QueryAsync<ExperimentIndexEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var page = entries.Take(limit).ToList();
        var records = await Task.WhenAll(page.Select(e => GetAsync(e.ExperimentId, cancellationToken)));
        return new ResultPage<ExperimentRecord>(records.OfType<ExperimentRecord>().ToList(), entries.Count > limit ? page[^1].RowKey : null);
    }

    // The JSON values of a record that can outgrow a table property: what the request sent (metadata, a draft,
    // parameters, evaluators) and what the run produced (aggregates).
    private static readonly (string Name, Func<ExperimentRecord, string?> Get, Func<ExperimentRecord, string, ExperimentRecord> Set)[] LargeValues =
    [
        (nameof(ExperimentEntity.MetadataJson), r => r.MetadataJson, (r, v) => r with { MetadataJson = v }),
        (nameof(ExperimentEntity.DraftJson), r => r.DraftJson, (r, v) => r with { DraftJson = v }),
        (nameof(ExperimentEntity.InvocationParametersJson), r => r.InvocationParametersJson, (r, v) => r with { InvocationParametersJson = v }),
        (nameof(ExperimentEntity.EvaluatorsJson), r => r.EvaluatorsJson, (r, v) => r with { EvaluatorsJson = v }),
        (nameof(ExperimentEntity.AggregatesJson), r => r.AggregatesJson, (r, v) => r with { AggregatesJson = v }),
    ];

    /// <summary>
    /// The entity for <paramref name="record"/>, with the values a table property cannot hold moved to a blob. The
    /// blob is named by its content, so a writer that loses an ETag race never overwrites the winner's values.
    /// </summary>
    private async Task<ExperimentEntity> ToStoredEntityAsync(ExperimentRecord record, CancellationToken cancellationToken)
    {
        // A failure's reason can carry a whole exception; what fits is enough to say what happened.
        record = record with { Error = Truncate(record.Error, 4000) };
        var large = LargeValues.Where(v => !TableLimits.FitsInline(v.Get(record))).ToList();
        if (large.Count == 0) return record.ToEntity();
        var values = new System.Text.Json.Nodes.JsonObject();
        var inline = record;
        foreach (var value in large)
        {
            values[value.Name] = value.Get(record);
            inline = value.Set(inline, "");
        }
        var bytes = System.Text.Encoding.UTF8.GetBytes(values.ToJsonString());
        var blobName = $"{record.Id}/record-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..32]}.json";
        await storage.ExperimentOutputs.GetBlobClient(blobName).UploadIfAbsentAsync(bytes, "application/json", cancellationToken);
        var entity = inline.ToEntity();
        entity.LargeValuesBlob = blobName;
        return entity;
    }

    private async Task<ExperimentRecord> ToRecordAsync(ExperimentEntity entity, CancellationToken cancellationToken)
    {
        var record = ExperimentRecord.From(entity);
        if (entity.LargeValuesBlob is not { } blobName) return record;
        var content = (await storage.ExperimentOutputs.GetBlobClient(blobName).DownloadContentAsync(cancellationToken)).Value.Content;
        var values = System.Text.Json.Nodes.JsonNode.Parse(content.ToMemory().Span)!.AsObject();
        foreach (var value in LargeValues)
        {
            if (values[value.Name] is { } stored) record = value.Set(record, stored.GetValue<string>());
        }
        return record;
    }

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max] + "…";
}
