using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Experiments;

/// <summary>
/// Runs one orchestration with one activity at host start, then purges it, so the first experiment after a start
/// does not pay for the engine's first dispatch: the Functions host's Durable extension (its first queue messages,
/// history writes and gRPC calls to the worker) or the local host's in-process engine, and the worker's own dispatch.
/// On the real host the first experiment waited about 1 s before its first batch ran, against 0.05 s for the next one.
/// Bounded, and never fails anything: a warm-up that does not finish only means the first run pays for it.
/// </summary>
public sealed class ExperimentEngineWarmUp(IOptions<ExperimentsOptions> options, ILogger<ExperimentEngineWarmUp> logger)
{
    /// <summary>Instance ids of warm-ups; nothing else starts with it, so a listing can tell them apart.</summary>
    public const string InstancePrefix = "pf-warm-up-";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public bool Enabled => options.Value.WarmUpAtStart;

    /// <param name="warmRows">Whether the activity also runs the row's code (<see cref="ExperimentWarmUp"/>) where it
    /// runs: the Functions worker has no other place to do it, the local host does it beside this.</param>
    public async Task RunAsync(DurableTaskClient durable, bool warmRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(durable);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        var instanceId = InstancePrefix + Guid.NewGuid().ToString("N");
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(nameof(WarmUpOrchestrator), WarmUpOrchestrator.Input(instanceId, warmRows),
                new StartOrchestrationOptions(InstanceId: instanceId), limit.Token);
            await durable.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: false, limit.Token);
            await durable.PurgeInstanceAsync(instanceId, cancellation: limit.Token);
            await PurgeLeftoversAsync(durable, limit.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "The Durable engine warm-up did not finish; the first experiment will be slower");
        }
    }

    /// <summary>
    /// Warm-ups that ended without being purged: their host stopped, or their limit expired, before the purge (and one
    /// an older build started fails when replayed with today's input type). Ones still running belong to an instance
    /// starting beside this one and are left to it.
    /// </summary>
    private static async Task PurgeLeftoversAsync(DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var ended = new OrchestrationQuery
        {
            InstanceIdPrefix = InstancePrefix,
            Statuses = [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated],
            FetchInputsAndOutputs = false,
        };
        await foreach (var leftover in durable.GetAllInstancesAsync(ended).WithCancellation(cancellationToken))
            await durable.PurgeInstanceAsync(leftover.InstanceId, cancellation: cancellationToken);
    }
}

/// <summary>
/// Calls one activity the way an experiment calls a batch: the same input, result and state types (their serialization
/// is part of the first dispatch) and the same retry options. Deterministic: its input and the activity's result only.
/// </summary>
public sealed class WarmUpOrchestrator : TaskOrchestrator<ExperimentRunState, ExperimentBatchResult>
{
    public override Task<ExperimentBatchResult> RunAsync(TaskOrchestrationContext context, ExperimentRunState input) =>
        context.CallActivityAsync<ExperimentBatchResult>(nameof(WarmUpActivity),
            new ExperimentBatchInput(input.Plan.ExperimentId, 0, 0, (int)input.Plan.Units, input.Plan.RowConcurrency), RunExperimentOrchestrator.Retries);

    /// <summary>The warm-up's state: a plan of one unit when the activity should also warm the row's code, of none otherwise.</summary>
    public static ExperimentRunState Input(string instanceId, bool warmRows) => new(ExperimentPlan.For(instanceId, warmRows ? 1 : 0, 1), 0, 0, 0);
}

/// <summary>Runs the row's code (<see cref="ExperimentWarmUp"/>) when its input holds a unit.</summary>
public sealed class WarmUpActivity(ExperimentWarmUp rows) : TaskActivity<ExperimentBatchInput, ExperimentBatchResult>
{
    public override async Task<ExperimentBatchResult> RunAsync(TaskActivityContext context, ExperimentBatchInput input)
    {
        if (input.Units > 0) await rows.WarmAsync(CancellationToken.None);
        return new ExperimentBatchResult(input.Units, 0, false);
    }
}
