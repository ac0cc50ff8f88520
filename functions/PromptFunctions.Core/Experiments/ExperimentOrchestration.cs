using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using PromptFunctions.Core.Events;

namespace PromptFunctions.Core.Experiments;

/// <summary>How an experiment's units (example × repetition, in example order) are cut into batches.</summary>
/// <param name="Lanes">Batches running at once.</param>
/// <param name="RowConcurrency">Model calls in flight inside one batch.</param>
public sealed record ExperimentPlan(string ExperimentId, long Units, int BatchSize, int Lanes, int RowConcurrency)
{
    public int Batches => (int)((Units + BatchSize - 1) / BatchSize);

    /// <summary>
    /// Splits <paramref name="maxConcurrency"/> into lanes of at most 25 concurrent calls each, never more than it in
    /// all. Batches hold about ten
    /// waves of calls, so a lane's fixed cost per batch (reading examples, writing results, the dispatch
    /// round-trip) is small next to its model time; their number is a multiple of the lanes so the last round
    /// keeps every lane busy, and never more than 2,000 in all.
    /// </summary>
    public static ExperimentPlan For(string experimentId, long units, int maxConcurrency)
    {
        const int WavesPerBatch = 10;
        // Lanes of at most 25 calls whose sum never exceeds max_concurrency (51 becomes 3 lanes of 17).
        var lanes = Math.Max(1, (maxConcurrency + 24) / 25);
        var rowConcurrency = Math.Max(1, maxConcurrency / lanes);
        var batches = Math.Max(1, (units + (long)rowConcurrency * WavesPerBatch - 1) / ((long)rowConcurrency * WavesPerBatch));
        batches = (batches + lanes - 1) / lanes * lanes;
        var batchSize = (int)Math.Max((units + batches - 1) / batches, (units + 1999) / 2000);
        return new ExperimentPlan(experimentId, units, Math.Max(1, batchSize), lanes, rowConcurrency);
    }
}

/// <param name="NextBatch">The first batch this generation of the orchestration schedules.</param>
public sealed record ExperimentRunState(ExperimentPlan Plan, int NextBatch, long Done, long Errors);

public sealed record ExperimentBatchInput(string ExperimentId, int Batch, long FirstUnit, int Units, int RowConcurrency);

public sealed record ExperimentBatchResult(int Units, int Errors, bool Cancelled);

public sealed record ExperimentFailure(string ExperimentId, string Reason);

/// <summary>
/// Runs an experiment's batches with a fixed number of lanes.
/// Why batch activities rather than one activity per row, or sub-orchestrations: every durable task costs
/// history events and a dispatch round-trip, and Azure's (and the in-process engine's) work-item limits throttle
/// thousands of tiny activities; a batch activity runs its rows with bounded async concurrency inside, so
/// throughput depends on the model's latency and the configured concurrency rather than on dispatch overhead.
/// History stays small for 100,000 rows because each generation of the orchestration schedules at most
/// <see cref="BatchesPerGeneration"/> batches and then continues as new with only the running totals.
/// Deterministic: the orchestrator uses only its input and activity results (no clock, no I/O, no randomness).
/// </summary>
public sealed class RunExperimentOrchestrator : TaskOrchestrator<ExperimentRunState, string>
{
    public const int BatchesPerGeneration = 100;

    internal static readonly TaskOptions Retries = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    public override async Task<string> RunAsync(TaskOrchestrationContext context, ExperimentRunState state)
    {
        var plan = state.Plan;
        var logger = context.CreateReplaySafeLogger<RunExperimentOrchestrator>();
        try
        {
            var generationEnd = Math.Min(plan.Batches, state.NextBatch + BatchesPerGeneration);
            var inFlight = new List<Task<ExperimentBatchResult>>();
            var next = state.NextBatch;
            long done = state.Done, errors = state.Errors;
            var cancelled = false;
            while (next < generationEnd || inFlight.Count > 0)
            {
                while (!cancelled && inFlight.Count < plan.Lanes && next < generationEnd)
                {
                    var firstUnit = (long)next * plan.BatchSize;
                    var units = (int)Math.Min(plan.BatchSize, plan.Units - firstUnit);
                    inFlight.Add(context.CallActivityAsync<ExperimentBatchResult>(nameof(RunExperimentBatchActivity),
                        new ExperimentBatchInput(plan.ExperimentId, next, firstUnit, units, plan.RowConcurrency), Retries));
                    next++;
                }
                if (inFlight.Count == 0) break;
                var finished = await Task.WhenAny(inFlight);
                inFlight.Remove(finished);
                var result = await finished;
                done += result.Units;
                errors += result.Errors;
                cancelled |= result.Cancelled;
                context.SetCustomStatus(new { done, errors, units = plan.Units });
            }
            if (cancelled) return ExperimentStatus.Cancelled;

            if (generationEnd < plan.Batches)
            {
                context.ContinueAsNew(new ExperimentRunState(plan, generationEnd, done, errors));
                return ExperimentStatus.Running;
            }
            await context.CallActivityAsync(nameof(FinalizeExperimentActivity), plan.ExperimentId, Retries);
            logger.LogInformation("Experiment {Experiment} completed: {Done} units, {Errors} row errors", plan.ExperimentId, done, errors);
            return ExperimentStatus.Completed;
        }
        catch (TaskFailedException e)
        {
            logger.LogError("Experiment {Experiment} failed: {Reason}", plan.ExperimentId, e.Message);
            await context.CallActivityAsync(nameof(FailExperimentActivity), new ExperimentFailure(plan.ExperimentId, e.FailureDetails.ErrorMessage), Retries);
            return ExperimentStatus.Failed;
        }
    }
}

public sealed class RunExperimentBatchActivity(ExperimentEngine engine) : TaskActivity<ExperimentBatchInput, ExperimentBatchResult>
{
    public override Task<ExperimentBatchResult> RunAsync(TaskActivityContext context, ExperimentBatchInput input) =>
        engine.RunBatchAsync(input, CancellationToken.None);
}

public sealed class FinalizeExperimentActivity(ExperimentEngine engine, ExperimentStore store, IEventPublisher events) : TaskActivity<string, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, string experimentId)
    {
        var transition = await engine.FinalizeAsync(experimentId, CancellationToken.None);
        // Announced once the status is stored. A retried activity (the record already completed) publishes the same key
        // again, which announces once.
        var stored = transition is ExperimentTransition.Changed changed ? changed.Record : await store.GetAsync(experimentId, CancellationToken.None);
        if (stored is { Status: ExperimentStatus.Completed } record)
            await events.PublishAsync(EventTypes.ExperimentCompleted, record.Id, new JsonObject { ["experiment"] = System.Text.Json.JsonSerializer.SerializeToNode(ExperimentsApi.Describe(record, null, null), PromptFunctions.Contracts.ContractsJson.Context.ExperimentInfo) }, CancellationToken.None);
        return true;
    }
}

public sealed class FailExperimentActivity(ExperimentStore store, TimeProvider clock) : TaskActivity<ExperimentFailure, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, ExperimentFailure failure)
    {
        await store.TransitionAsync(failure.ExperimentId, [ExperimentStatus.Queued, ExperimentStatus.Running],
            r => r with { Status = ExperimentStatus.Failed, Error = failure.Reason, CompletedAt = clock.GetUtcNow() }, CancellationToken.None);
        return true;
    }
}
