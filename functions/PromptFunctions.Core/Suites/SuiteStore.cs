using System.Text;
using Azure;
using Azure.Data.Tables;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Suites;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Suites;

/// <summary>
/// Suites, their schedule state and their runs. A suite's definition and schedule row change together in one
/// entity-group transaction guarded by the definition row's ETag; runs are created create-only, so a run id (for a
/// scheduled run: derived from the suite and the occurrence) is claimed once.
/// </summary>
public sealed class SuiteStore(SuiteStorage storage)
{
    // Table string properties hold 64 KiB (32K UTF-16 characters); longer reports go to a blob.
    private const int MaxInlineReportChars = 30_000;

    public static bool IsRunId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    public async Task<SuiteRecord?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        return await storage.Suites.GetOrNullAsync<SuiteEntity>(name, SuiteEntity.Row, cancellationToken) is { } entity ? SuiteRecord.From(entity) : null;
    }

    /// <summary>
    /// Creates or replaces the suite if <paramref name="precondition"/> holds. A new or changed schedule (CRON, time
    /// zone, or enabled again) starts from <paramref name="now"/>: occurrences before the change are never run.
    /// </summary>
    public async Task<PutSuiteOutcome> PutAsync(string name, SuiteDefinition definition, string actor, SuitePrecondition precondition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var json = SuiteDefinitions.Serialize(definition);
        var hash = SuiteDefinitions.Hash(json);
        return await OptimisticConcurrency.RunAsync<PutSuiteOutcome>(async _ =>
        {
            var current = await storage.Suites.GetOrNullAsync<SuiteEntity>(name, SuiteEntity.Row, cancellationToken);
            if (!precondition.HoldsFor(current?.Hash)) return OptimisticConcurrency.Finish<PutSuiteOutcome>(new PutSuiteOutcome.PreconditionFailed(current?.Hash));
            if (current is not null && current.Hash == hash)
                return OptimisticConcurrency.Finish<PutSuiteOutcome>(new PutSuiteOutcome.Replaced(SuiteRecord.From(current), false));

            var schedule = await storage.Suites.GetOrNullAsync<SuiteScheduleEntity>(name, SuiteScheduleEntity.Row, cancellationToken);
            var entity = new SuiteEntity
            {
                PartitionKey = name,
                DefinitionJson = Encoding.UTF8.GetString(json),
                Hash = hash,
                CreatedAt = current?.CreatedAt ?? now,
                CreatedBy = current?.CreatedBy ?? actor,
                UpdatedAt = now,
                UpdatedBy = actor,
            };
            var actions = new List<TableTransactionAction>
            {
                current is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, current.ETag),
            };
            if (definition.Schedule is { } wanted)
            {
                var enabled = definition.Enabled ?? true;
                var zone = wanted.TimeZone ?? SuiteCron.Utc;
                var unchanged = schedule is not null && schedule.Cron == wanted.Cron && schedule.TimeZone == zone && (schedule.Enabled || !enabled);
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new SuiteScheduleEntity
                {
                    PartitionKey = name,
                    Cron = wanted.Cron,
                    TimeZone = zone,
                    Enabled = enabled,
                    Watermark = unchanged ? schedule!.Watermark : now,
                }));
            }
            else if (schedule is not null)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, schedule, ETag.All));
            }
            await storage.Suites.SubmitTransactionAsync(actions, cancellationToken);
            var saved = SuiteRecord.From(entity);
            return OptimisticConcurrency.Finish<PutSuiteOutcome>(current is null ? new PutSuiteOutcome.Created(saved) : new PutSuiteOutcome.Replaced(saved, true));
        }, () => new PutSuiteOutcome.Busy(), cancellationToken);
    }

    /// <summary>Deletes the suite, its schedule and its run index; the runs themselves stay readable by id.</summary>
    public async Task<DeleteSuiteOutcome> DeleteAsync(string name, SuitePrecondition precondition, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var outcome = await OptimisticConcurrency.RunAsync<DeleteSuiteOutcome>(async _ =>
        {
            var current = await storage.Suites.GetOrNullAsync<SuiteEntity>(name, SuiteEntity.Row, cancellationToken);
            if (current is null) return OptimisticConcurrency.Finish<DeleteSuiteOutcome>(new DeleteSuiteOutcome.NotFound());
            if (!precondition.HoldsFor(current.Hash)) return OptimisticConcurrency.Finish<DeleteSuiteOutcome>(new DeleteSuiteOutcome.PreconditionFailed(current.Hash));
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, current, current.ETag) };
            if (await storage.Suites.GetOrNullAsync<SuiteScheduleEntity>(name, SuiteScheduleEntity.Row, cancellationToken) is { } schedule)
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, schedule, ETag.All));
            await storage.Suites.SubmitTransactionAsync(actions, cancellationToken);
            return OptimisticConcurrency.Finish<DeleteSuiteOutcome>(new DeleteSuiteOutcome.Deleted());
        }, () => new DeleteSuiteOutcome.Busy(), cancellationToken);
        if (outcome is DeleteSuiteOutcome.Deleted)
        {
            // The index rows are only reachable through the suite, which is gone; removing them is housekeeping.
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {name} and RowKey gt {SuiteRunIndexEntity.Prefix} and RowKey lt {SuiteRunIndexEntity.PrefixEnd}");
            var batch = new List<TableTransactionAction>(100);
            await foreach (var row in storage.Suites.QueryAsync<SuiteRunIndexEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
                if (batch.Count == 100)
                {
                    await storage.Suites.SubmitTransactionAsync(batch, cancellationToken);
                    batch.Clear();
                }
            }
            if (batch.Count > 0) await storage.Suites.SubmitTransactionAsync(batch, cancellationToken);
        }
        return outcome;
    }

    /// <summary>Suites by name; <paramref name="after"/> continues a previous page.</summary>
    public async Task<ResultPage<SuiteRecord>> ListAsync(int limit, string? after, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var filter = after is null
            ? TableClient.CreateQueryFilter($"RowKey eq {SuiteEntity.Row}")
            : TableClient.CreateQueryFilter($"RowKey eq {SuiteEntity.Row} and PartitionKey gt {after}");
        var entities = await storage.Suites.QueryAsync<SuiteEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var page = entities.Take(limit).Select(SuiteRecord.From).ToList();
        return new ResultPage<SuiteRecord>(page, entities.Count > limit ? page[^1].Name : null);
    }

    /// <summary>Every suite with a schedule (the scheduler filters enabled and due ones).</summary>
    public async IAsyncEnumerable<SuiteScheduleState> ListSchedulesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var filter = TableClient.CreateQueryFilter($"RowKey eq {SuiteScheduleEntity.Row}");
        await foreach (var e in storage.Suites.QueryAsync<SuiteScheduleEntity>(filter, cancellationToken: cancellationToken))
            yield return new SuiteScheduleState(e.PartitionKey, e.Cron, e.TimeZone, e.Enabled, e.Watermark);
    }

    /// <summary>Moves the schedule's watermark forward to <paramref name="handled"/>; never backwards.</summary>
    public async Task AdvanceWatermarkAsync(string suite, DateTimeOffset handled, CancellationToken cancellationToken)
    {
        await OptimisticConcurrency.RunAsync<bool>(async _ =>
        {
            var schedule = await storage.Suites.GetOrNullAsync<SuiteScheduleEntity>(suite, SuiteScheduleEntity.Row, cancellationToken);
            if (schedule is null || schedule.Watermark >= handled) return OptimisticConcurrency.Finish(true);
            schedule.Watermark = handled;
            await storage.Suites.UpdateEntityAsync(schedule, schedule.ETag, TableUpdateMode.Replace, cancellationToken);
            return OptimisticConcurrency.Finish(true);
        }, () => false, cancellationToken);
    }

    /// <summary>Stores a new run; false when a run with this id already exists (another tick or host claimed it).</summary>
    public async Task<bool> TryCreateRunAsync(SuiteRunRecord run, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        try
        {
            await storage.Runs.AddEntityAsync(await ToEntityAsync(run, cancellationToken), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
        await storage.Suites.UpsertEntityAsync(new SuiteRunIndexEntity
        {
            PartitionKey = run.Suite,
            RowKey = SuiteRunIndexEntity.Key(run.CreatedAt, run.Id),
            RunId = run.Id,
        }, TableUpdateMode.Replace, cancellationToken);
        return true;
    }

    public async Task<SuiteRunRecord?> GetRunAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsRunId(id)) return null;
        await storage.EnsureCreatedAsync();
        return await storage.Runs.GetOrNullAsync<SuiteRunEntity>(id, SuiteRunEntity.Row, cancellationToken) is { } entity ? await FromEntityAsync(entity, cancellationToken) : null;
    }

    /// <summary>A suite's runs, newest first.</summary>
    public async Task<ResultPage<SuiteRunRecord>> ListRunsAsync(string suite, int limit, string? afterKey, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var from = afterKey ?? SuiteRunIndexEntity.Prefix;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {suite} and RowKey gt {from} and RowKey lt {SuiteRunIndexEntity.PrefixEnd}");
        var entries = await storage.Suites.QueryAsync<SuiteRunIndexEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var page = entries.Take(limit).ToList();
        var runs = await Task.WhenAll(page.Select(e => GetRunAsync(e.RunId, cancellationToken)));
        return new ResultPage<SuiteRunRecord>(runs.OfType<SuiteRunRecord>().ToList(), entries.Count > limit ? page[^1].RowKey : null);
    }

    /// <summary>The newest completed run of <paramref name="suite"/> created before <paramref name="before"/> that <paramref name="matches"/>.</summary>
    public async Task<SuiteRunRecord?> FindPreviousRunAsync(string suite, DateTimeOffset before, string excludeId, Func<SuiteRunRecord, bool> matches, CancellationToken cancellationToken)
    {
        const int MaxLookups = 50;
        var from = SuiteRunIndexEntity.Key(before, "");
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {suite} and RowKey gt {from} and RowKey lt {SuiteRunIndexEntity.PrefixEnd}");
        var looked = 0;
        await foreach (var entry in storage.Suites.QueryAsync<SuiteRunIndexEntity>(filter, cancellationToken: cancellationToken))
        {
            if (entry.RunId == excludeId) continue;
            if (++looked > MaxLookups) break;
            if (await GetRunAsync(entry.RunId, cancellationToken) is { Status: SuiteRunStatus.Completed } run && matches(run)) return run;
        }
        return null;
    }

    /// <summary>Applies <paramref name="change"/> if the run's status is one of <paramref name="from"/>, guarded by the row's ETag.</summary>
    public async Task<SuiteRunTransition> TransitionRunAsync(string id, string[] from, Func<SuiteRunRecord, SuiteRunRecord> change, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        return await OptimisticConcurrency.RunAsync<SuiteRunTransition>(async _ =>
        {
            var current = await storage.Runs.GetOrNullAsync<SuiteRunEntity>(id, SuiteRunEntity.Row, cancellationToken);
            if (current is null) return OptimisticConcurrency.Finish<SuiteRunTransition>(new SuiteRunTransition.NotFound());
            if (!from.Contains(current.Status)) return OptimisticConcurrency.Finish<SuiteRunTransition>(new SuiteRunTransition.WrongStatus(current.Status));
            var updated = change(await FromEntityAsync(current, cancellationToken));
            var entity = await ToEntityAsync(updated, cancellationToken);
            await storage.Runs.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken);
            return OptimisticConcurrency.Finish<SuiteRunTransition>(new SuiteRunTransition.Changed(updated));
        }, () => new SuiteRunTransition.Busy(), cancellationToken);
    }

    /// <summary>Notes that run <paramref name="runId"/> owes an optimization start; idempotent.</summary>
    public async Task AddPendingOptimizationAsync(string runId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        await storage.Runs.UpsertEntityAsync(new SuitePendingOptimizationEntity { RowKey = runId }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>The runs noted by <see cref="AddPendingOptimizationAsync"/> and not yet removed.</summary>
    public async Task<IReadOnlyList<string>> ListPendingOptimizationsAsync(int limit, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {SuitePendingOptimizationEntity.Partition}");
        var rows = await storage.Runs.QueryAsync<SuitePendingOptimizationEntity>(filter, maxPerPage: limit, select: ["RowKey"], cancellationToken: cancellationToken)
            .TakeAsync(limit, cancellationToken);
        return rows.Select(r => r.RowKey).ToList();
    }

    public async Task RemovePendingOptimizationAsync(string runId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        await storage.Runs.DeleteEntityAsync(SuitePendingOptimizationEntity.Partition, runId, ETag.All, cancellationToken);
    }

    private async Task<SuiteRunEntity> ToEntityAsync(SuiteRunRecord run, CancellationToken cancellationToken)
    {
        string? report = run.Report is null ? null : Encoding.UTF8.GetString(ContractsJson.Serialize(run.Report));
        string? blob = null;
        if (report is { Length: > MaxInlineReportChars })
        {
            blob = $"{run.Id}/report.json";
            await storage.Reports.GetBlobClient(blob).UploadAsync(BinaryData.FromString(report), overwrite: true, cancellationToken);
            report = null;
        }
        return new SuiteRunEntity
        {
            PartitionKey = run.Id,
            Suite = run.Suite,
            Status = run.Status,
            Trigger = run.Trigger,
            ScheduledFor = run.ScheduledFor,
            CreatedAt = run.CreatedAt,
            CreatedBy = run.CreatedBy,
            CompletedAt = run.CompletedAt,
            DefinitionJson = Encoding.UTF8.GetString(SuiteDefinitions.Serialize(run.Definition)),
            PromptVersionId = run.PromptVersionId,
            PromptSequence = run.PromptSequence,
            DatasetVersionId = run.DatasetVersionId,
            Examples = run.Examples,
            BaselineJson = run.Baseline is null ? null : Encoding.UTF8.GetString(ContractsJson.Serialize(run.Baseline)),
            CandidatesJson = Encoding.UTF8.GetString(ContractsJson.Serialize(run.Candidates)),
            Verdict = run.Verdict,
            ReportJson = report,
            ReportBlob = blob,
            Error = run.Error is { Length: > 4000 } error ? error[..4000] + "…" : run.Error,
            OptimizationJson = run.Optimization is null ? null : Encoding.UTF8.GetString(ContractsJson.Serialize(run.Optimization)),
        };
    }

    private async Task<SuiteRunRecord> FromEntityAsync(SuiteRunEntity e, CancellationToken cancellationToken)
    {
        var reportJson = e.ReportJson;
        if (e.ReportBlob is { } blob)
            reportJson = (await storage.Reports.GetBlobClient(blob).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
        return new SuiteRunRecord(
            e.PartitionKey, e.Suite, e.Status, e.Trigger, e.ScheduledFor, e.CreatedAt, e.CreatedBy, e.CompletedAt,
            Parse<SuiteDefinition>(e.DefinitionJson)!, e.PromptVersionId, e.PromptSequence, e.DatasetVersionId, e.Examples,
            e.BaselineJson is null ? null : Parse<SuiteRunModel>(e.BaselineJson), Parse<IReadOnlyList<SuiteRunModel>>(e.CandidatesJson) ?? [],
            e.Verdict, reportJson is null ? null : Parse<SuiteRunReport>(reportJson), e.Error,
            e.OptimizationJson is null ? null : Parse<SuiteRunOptimization>(e.OptimizationJson));
    }

    private static T? Parse<T>(string json) => ContractsJson.Deserialize<T>(Encoding.UTF8.GetBytes(json));
}
