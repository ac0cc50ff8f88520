using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Optimization;

/// <summary>What asking for a run did.</summary>
public abstract record OptimizationStart
{
    public sealed record Started(OptimizationRecord Record, OptimizationSpec Spec) : OptimizationStart;

    /// <summary>The idempotency key had started this run before; nothing new was started.</summary>
    public sealed record AlreadyStarted(OptimizationRecord Record, OptimizationSpec Spec) : OptimizationStart;

    /// <summary>The request is wrong; every fault has its JSON path. Nothing was stored.</summary>
    public sealed record Invalid(IReadOnlyList<ValidationFault> Faults) : OptimizationStart;

    public sealed record Busy : OptimizationStart;
}

/// <summary>
/// The one way a run starts: the API, the signed hook and (when a suite says so) a suite run that detected a
/// regression all come here.
/// </summary>
public interface IOptimizationStarter
{
    /// <param name="request">The same JSON as the body of <c>POST /api/optimizations</c>.</param>
    /// <param name="idempotencyKey">
    /// Identifies the occurrence that asks for the run (a webhook-id, a suite run id): asking again with the same key
    /// starts nothing and answers with the run the first request started, whatever the request says the second time.
    /// Null starts a new run every time.
    /// </param>
    /// <param name="startedBy">Recorded as the run's <c>created_by</c>: a key name, <c>hook:optimize</c>, <c>suite:&lt;name&gt;</c>.</param>
    /// <param name="durable">The host's Durable client (the Functions binding's, or the local engine's).</param>
    Task<OptimizationStart> StartAsync(JsonObject request, string? idempotencyKey, string startedBy, DurableTaskClient durable, CancellationToken cancellationToken);
}

public sealed class OptimizationStarter(OptimizationRequestReader reader, OptimizationStore store, TimeProvider clock) : IOptimizationStarter
{
    public async Task<OptimizationStart> StartAsync(JsonObject request, string? idempotencyKey, string startedBy, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        string? id = null;
        if (idempotencyKey is not null)
        {
            // Before reading the request: a repeated delivery answers with its run even if what it names changed since.
            id = OptimizationIds.ForKey(idempotencyKey);
            if (await store.GetAsync(id, cancellationToken) is { } existing)
                return await AlreadyStartedAsync(existing, durable, cancellationToken);
        }

        var cursor = new ValidatingJsonReader();
        var spec = await reader.ReadAsync(request, cursor, cancellationToken);
        if (cursor.Faults.Count > 0 || spec is null)
            return new OptimizationStart.Invalid(cursor.Faults.Count > 0 ? cursor.Faults : [new ValidationFault("$", "invalid optimization request")]);

        var now = clock.GetUtcNow();
        id ??= Guid.CreateVersion7(now).ToString("N");
        var record = new OptimizationRecord(id, idempotencyKey, OptimizationStatus.Queued, now, startedBy, null, null, null, null, null, null, null, 0, 0, 0, null, null, null);
        switch (await store.CreateAsync(record, spec, cancellationToken))
        {
            case OptimizationCreation.Created created:
                await ScheduleAsync(id, durable, cancellationToken);
                return new OptimizationStart.Started(created.Record, spec);
            case OptimizationCreation.Exists exists:
                return await AlreadyStartedAsync(exists.Record, durable, cancellationToken);
            default:
                return new OptimizationStart.Busy();
        }
    }

    private async Task<OptimizationStart> AlreadyStartedAsync(OptimizationRecord record, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        // A start that stored the run but died before scheduling it left it queued with no orchestration: finish its job.
        if (record.Status == OptimizationStatus.Queued && await durable.GetInstanceAsync(record.Id, cancellationToken) is null)
            await ScheduleAsync(record.Id, durable, cancellationToken);
        return new OptimizationStart.AlreadyStarted(record, await store.GetSpecAsync(record.Id, cancellationToken));
    }

    /// <summary>Schedules the run's orchestration under the run's id, from <paramref name="state"/> (a checkpoint) or from the start.</summary>
    public static async Task ScheduleAsync(string id, DurableTaskClient durable, CancellationToken cancellationToken, OptimizationState? state = null)
    {
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(nameof(RunOptimizationOrchestrator), state ?? OptimizationState.Initial(id),
                new StartOrchestrationOptions(InstanceId: id), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Two starts with one key can race to schedule; the loser finds the winner's instance and is done.
            if (await durable.GetInstanceAsync(id, cancellationToken) is null) throw;
        }
    }
}
