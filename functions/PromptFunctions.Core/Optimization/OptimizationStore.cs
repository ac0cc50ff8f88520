using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Optimization;

internal sealed class OptimizationEntity : ITableEntity
{
    public const string Row = "run";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? IdempotencyKey { get; set; }
    public string Status { get; set; } = OptimizationStatus.Queued;
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? Error { get; set; }
    public string? Outcome { get; set; }
    public string? StopReason { get; set; }
    public string? MetaPromptVersionId { get; set; }
    public string? OptimizerModel { get; set; }
    public int RoundsCompleted { get; set; }
    public long CallsSpent { get; set; }
    public double CostSpent { get; set; }
    public string? CheckpointJson { get; set; }
    public string? ResultJson { get; set; }
    public string? ComparisonJson { get; set; }
    public string? ReviewJson { get; set; }

    public OptimizationRecord ToRecord() => new(PartitionKey, IdempotencyKey, Status, CreatedAt, CreatedBy, StartedAt, CompletedAt, Error, Outcome, StopReason,
        MetaPromptVersionId, OptimizerModel, RoundsCompleted, CallsSpent, CostSpent, CheckpointJson, ResultJson, ComparisonJson, ReviewJson);

    public static OptimizationEntity From(OptimizationRecord r) => new()
    {
        PartitionKey = r.Id, IdempotencyKey = r.IdempotencyKey, Status = r.Status, CreatedAt = r.CreatedAt, CreatedBy = r.CreatedBy,
        StartedAt = r.StartedAt, CompletedAt = r.CompletedAt, Error = r.Error, Outcome = r.Outcome, StopReason = r.StopReason,
        MetaPromptVersionId = r.MetaPromptVersionId, OptimizerModel = r.OptimizerModel, RoundsCompleted = r.RoundsCompleted,
        CallsSpent = r.CallsSpent, CostSpent = r.CostSpent, CheckpointJson = r.CheckpointJson, ResultJson = r.ResultJson, ComparisonJson = r.ComparisonJson,
        ReviewJson = r.ReviewJson,
    };
}

/// <summary>Runs that are queued or running, so a host whose engine lost its orchestrations can find and resume them.</summary>
internal sealed class ActiveOptimizationEntity : ITableEntity
{
    public const string Partition = "active";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
}

/// <summary>
/// Every run, newest first (the key inverts the creation time), with what the listing shows without reading the
/// run's stored request.
/// </summary>
internal sealed class OptimizationIndexEntity : ITableEntity
{
    public const string Partition = "index";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string RunId { get; set; } = "";
    public string Prompt { get; set; } = "";
    public long PromptSequence { get; set; }
    public string Dataset { get; set; } = "";
    public string TargetTag { get; set; } = "";

    public static string Key(DateTimeOffset createdAt, string id) =>
        $"{(DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture)}|{id}";

    public static bool IsKey(string key) =>
        key.Length == 52 && key[19] == '|' && key[..19].All(char.IsAsciiDigit) && OptimizationIds.IsValid(key[20..]);
}

/// <summary>One example's result for one version; the key is deterministic, so a repeated step overwrites rather than duplicates.</summary>
internal sealed class EvaluationRowEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ExampleId { get; set; } = "";
    public long Index { get; set; }
    public string? Output { get; set; }
    public string ScoresJson { get; set; } = "[]";
    public string? Error { get; set; }
    public double LatencyMs { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long Calls { get; set; }
    public double Cost { get; set; }
    public string Step { get; set; } = "";

    /// <summary><paramref name="dataset"/> is 'd' for the run's dataset and 'g' for its guard set.</summary>
    public static string Key(string contentId, char dataset, long index) =>
        $"row|{contentId}|{dataset}{index.ToString("D9", CultureInfo.InvariantCulture)}";

    public static (string From, string To) Range(string contentId, char dataset) => ($"row|{contentId}|{dataset}", $"row|{contentId}|{(char)(dataset + 1)}");
}

/// <summary>
/// A run's rows (its record, its evaluation rows) in one table partition, and its documents (request, candidate
/// contents, optimizer proposals, round records) under <c>{id}/</c> in one container.
/// </summary>
public sealed class OptimizationStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TableClient _table;
    private readonly BlobContainerClient _blobs;
    private readonly Lock _creationLock = new();
    private Task? _creation;

    public OptimizationStore(StorageClients clients, IOptions<OptimizationOptions> options)
    {
        _table = clients.TableService.GetTableClient(options.Value.Table);
        _blobs = clients.BlobService.GetBlobContainerClient(options.Value.ContentContainer);
    }

    private Task EnsureCreatedAsync()
    {
        lock (_creationLock)
        {
            if (_creation is null || _creation.IsFaulted || _creation.IsCanceled)
                _creation = Task.WhenAll(_table.CreateIfNotExistsAsync(), _blobs.CreateIfNotExistsAsync());
            return _creation;
        }
    }

    /// <summary>
    /// Stores the spec, then the run row create-only (so two starts with one idempotency key make one run), then
    /// lists it as active and in the index. A spec already stored under the id is kept: it belongs to the run that id names.
    /// </summary>
    public async Task<OptimizationCreation> CreateAsync(OptimizationRecord record, OptimizationSpec spec, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        await _blobs.GetBlobClient(SpecBlob(record.Id)).UploadIfAbsentAsync(JsonSerializer.SerializeToUtf8Bytes(spec, Json), "application/json", cancellationToken);
        return await OptimisticConcurrency.RunAsync<OptimizationCreation>(async _ =>
        {
            if (await _table.GetOrNullAsync<OptimizationEntity>(record.Id, OptimizationEntity.Row, cancellationToken) is { } existing)
                return OptimisticConcurrency.Finish<OptimizationCreation>(new OptimizationCreation.Exists(existing.ToRecord()));
            await _table.AddEntityAsync(OptimizationEntity.From(record), cancellationToken);
            await _table.UpsertEntityAsync(new ActiveOptimizationEntity { RowKey = record.Id }, TableUpdateMode.Replace, cancellationToken);
            await _table.UpsertEntityAsync(new OptimizationIndexEntity
            {
                RowKey = OptimizationIndexEntity.Key(record.CreatedAt, record.Id), RunId = record.Id, Prompt = spec.PromptName,
                PromptSequence = spec.PromptSequence, Dataset = spec.DatasetName, TargetTag = spec.TargetTag,
            }, TableUpdateMode.Replace, cancellationToken);
            return OptimisticConcurrency.Finish<OptimizationCreation>(new OptimizationCreation.Created(record));
        }, () => new OptimizationCreation.Busy(), cancellationToken);
    }

    public async Task<OptimizationRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (!OptimizationIds.IsValid(id)) return null;
        await EnsureCreatedAsync();
        return (await _table.GetOrNullAsync<OptimizationEntity>(id, OptimizationEntity.Row, cancellationToken))?.ToRecord();
    }

    public async Task<OptimizationSpec> GetSpecAsync(string id, CancellationToken cancellationToken)
    {
        var bytes = await _blobs.GetBlobClient(SpecBlob(id)).DownloadOrNullAsync(cancellationToken)
            ?? throw new InvalidOperationException($"optimization {id} has no stored request");
        return JsonSerializer.Deserialize<OptimizationSpec>(bytes, Json)!;
    }

    /// <summary>
    /// Applies <paramref name="change"/> if the run's status is one of <paramref name="from"/>, guarded by the row's
    /// ETag. A run that leaves the active statuses leaves the active list too.
    /// </summary>
    public async Task<OptimizationTransition> TransitionAsync(string id, string[] from, Func<OptimizationRecord, OptimizationRecord> change, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var outcome = await OptimisticConcurrency.RunAsync<OptimizationTransition>(async _ =>
        {
            var current = await _table.GetOrNullAsync<OptimizationEntity>(id, OptimizationEntity.Row, cancellationToken);
            if (current is null) return OptimisticConcurrency.Finish<OptimizationTransition>(new OptimizationTransition.NotFound());
            if (!from.Contains(current.Status)) return OptimisticConcurrency.Finish<OptimizationTransition>(new OptimizationTransition.WrongStatus(current.Status));
            var updated = OptimizationEntity.From(change(current.ToRecord()));
            await _table.UpdateEntityAsync(updated, current.ETag, TableUpdateMode.Replace, cancellationToken);
            return OptimisticConcurrency.Finish<OptimizationTransition>(new OptimizationTransition.Changed(updated.ToRecord()));
        }, () => new OptimizationTransition.Busy(), cancellationToken);
        if (outcome is OptimizationTransition.Changed { Record.Status: not (OptimizationStatus.Queued or OptimizationStatus.Running) } done)
        {
            try
            {
                await _table.DeleteEntityAsync(ActiveOptimizationEntity.Partition, done.Record.Id, ETag.All, cancellationToken);
            }
            catch (RequestFailedException e) when (OptimisticConcurrency.IsNotFound(e))
            {
            }
        }
        return outcome;
    }

    /// <summary>Runs newest first, of one prompt when <paramref name="prompt"/> is given; the cursor is the last index key returned.</summary>
    public async Task<ResultPage<(OptimizationRecord Run, string Prompt, long PromptSequence, string Dataset, string TargetTag)>> ListAsync(
        string? prompt, int limit, string? afterKey, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var from = afterKey ?? "";
        var filter = prompt is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {OptimizationIndexEntity.Partition} and RowKey gt {from}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {OptimizationIndexEntity.Partition} and RowKey gt {from} and Prompt eq {prompt}");
        var entries = await _table.QueryAsync<OptimizationIndexEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var page = entries.Take(limit).ToList();
        var runs = await Task.WhenAll(page.Select(e => _table.GetOrNullAsync<OptimizationEntity>(e.RunId, OptimizationEntity.Row, cancellationToken)));
        var items = page.Zip(runs).Where(p => p.Second is not null)
            .Select(p => (p.Second!.ToRecord(), p.First.Prompt, p.First.PromptSequence, p.First.Dataset, p.First.TargetTag))
            .ToList();
        return new(items, entries.Count > limit ? page[^1].RowKey : null);
    }

    /// <summary>
    /// Records a decision on the run's proposal once, guarded by the row's ETag: the first decision stands, and a
    /// later one is told what it was.
    /// </summary>
    public async Task<OptimizationReviewOutcome> RecordReviewAsync(string id, string reviewJson, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        return await OptimisticConcurrency.RunAsync<OptimizationReviewOutcome>(async _ =>
        {
            var current = await _table.GetOrNullAsync<OptimizationEntity>(id, OptimizationEntity.Row, cancellationToken);
            if (current is null) return OptimisticConcurrency.Finish<OptimizationReviewOutcome>(new OptimizationReviewOutcome.NotFound());
            if (current.ReviewJson is not null) return OptimisticConcurrency.Finish<OptimizationReviewOutcome>(new OptimizationReviewOutcome.AlreadyReviewed(current.ToRecord()));
            current.ReviewJson = reviewJson;
            await _table.UpdateEntityAsync(current, current.ETag, TableUpdateMode.Replace, cancellationToken);
            return OptimisticConcurrency.Finish<OptimizationReviewOutcome>(new OptimizationReviewOutcome.Recorded(current.ToRecord()));
        }, () => new OptimizationReviewOutcome.Busy(), cancellationToken);
    }

    /// <summary>Ids of runs that are queued or running.</summary>
    public async Task<IReadOnlyList<string>> ListActiveAsync(CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var ids = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ActiveOptimizationEntity.Partition}");
        await foreach (var entity in _table.QueryAsync<ActiveOptimizationEntity>(filter, cancellationToken: cancellationToken)) ids.Add(entity.RowKey);
        return ids;
    }

    public async Task WriteRowAsync(string id, string contentId, char dataset, EvaluationRow row, CancellationToken cancellationToken)
    {
        var entity = new EvaluationRowEntity
        {
            PartitionKey = id,
            RowKey = EvaluationRowEntity.Key(contentId, dataset, row.Index),
            ExampleId = row.ExampleId,
            Index = row.Index,
            Output = row.Output,
            ScoresJson = row.ScoresJson,
            Error = row.Error,
            LatencyMs = row.LatencyMs,
            InputTokens = row.InputTokens,
            OutputTokens = row.OutputTokens,
            Calls = row.Calls,
            Cost = row.Cost,
            Step = row.Step,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Every stored row of one version on one dataset ('d' or 'g'), by example index.</summary>
    public async Task<Dictionary<long, EvaluationRow>> ReadRowsAsync(string id, string contentId, char dataset, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var (from, to) = EvaluationRowEntity.Range(contentId, dataset);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey ge {from} and RowKey lt {to}");
        var rows = new Dictionary<long, EvaluationRow>();
        await foreach (var e in _table.QueryAsync<EvaluationRowEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
            rows[e.Index] = new EvaluationRow(e.ExampleId, e.Index, e.Output, e.ScoresJson, e.Error, e.LatencyMs, e.InputTokens, e.OutputTokens, e.Calls, e.Cost, e.Step);
        return rows;
    }

    /// <summary>A version's content under its content id; the name is the hash of the bytes, so writing it twice is harmless.</summary>
    public async Task SaveContentAsync(string id, string contentId, byte[] canonicalContent, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        await _blobs.GetBlobClient(ContentBlob(id, contentId)).UploadIfAbsentAsync(canonicalContent, "application/json", cancellationToken);
    }

    public async Task<byte[]> ReadContentAsync(string id, string contentId, CancellationToken cancellationToken) =>
        await _blobs.GetBlobClient(ContentBlob(id, contentId)).DownloadOrNullAsync(cancellationToken)
        ?? throw new InvalidOperationException($"optimization {id} has no content {contentId}");

    /// <summary>
    /// Stores a round's proposal once: the first stored one is the proposal of that round, so a repeated step reuses
    /// it (and what it cost) instead of asking the optimizer again. Returns the stored proposal.
    /// </summary>
    public async Task<T> SaveProposalOnceAsync<T>(string id, int round, T proposal, CancellationToken cancellationToken)
    {
        var blob = _blobs.GetBlobClient($"{id}/proposals/{round.ToString("D4", CultureInfo.InvariantCulture)}.json");
        if (await blob.UploadIfAbsentAsync(JsonSerializer.SerializeToUtf8Bytes(proposal, Json), "application/json", cancellationToken)) return proposal;
        return JsonSerializer.Deserialize<T>((await blob.DownloadOrNullAsync(cancellationToken))!, Json)!;
    }

    public async Task<T?> ReadProposalAsync<T>(string id, int round, CancellationToken cancellationToken) where T : class
    {
        await EnsureCreatedAsync();
        var bytes = await _blobs.GetBlobClient($"{id}/proposals/{round.ToString("D4", CultureInfo.InvariantCulture)}.json").DownloadOrNullAsync(cancellationToken);
        return bytes is null ? null : JsonSerializer.Deserialize<T>(bytes, Json);
    }

    /// <summary>A round's record as the API shows it (contract JSON); written again when a resumed run repeats the round.</summary>
    public async Task SaveRoundAsync(string id, int round, byte[] json, CancellationToken cancellationToken) =>
        await _blobs.GetBlobClient(RoundBlob(id, round)).UploadAsync(BinaryData.FromBytes(json), overwrite: true, cancellationToken);

    public async Task<IReadOnlyList<byte[]>> ReadRoundsAsync(string id, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var rounds = new List<(string Name, byte[] Bytes)>();
        await foreach (var item in _blobs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{id}/rounds/", cancellationToken))
        {
            if (await _blobs.GetBlobClient(item.Name).DownloadOrNullAsync(cancellationToken) is { } bytes) rounds.Add((item.Name, bytes));
        }
        return rounds.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => r.Bytes).ToList();
    }

    private static string SpecBlob(string id) => $"{id}/spec.json";

    private static string ContentBlob(string id, string contentId) => $"{id}/content/{contentId}.json";

    private static string RoundBlob(string id, int round) => $"{id}/rounds/{round.ToString("D4", CultureInfo.InvariantCulture)}.json";
}
