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
            await durable.ScheduleNewOrchestrationInstanceAsync(nameof(WarmUpOrchestrator), warmRows, new StartOrchestrationOptions(InstanceId: instanceId), limit.Token);
            await durable.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: false, limit.Token);
            await durable.PurgeInstanceAsync(instanceId, cancellation: limit.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "The Durable engine warm-up did not finish; the first experiment will be slower");
        }
    }
}

/// <summary>Calls one activity, like an experiment's first batch. Deterministic: its input and the activity's result only.</summary>
public sealed class WarmUpOrchestrator : TaskOrchestrator<bool, bool>
{
    public override Task<bool> RunAsync(TaskOrchestrationContext context, bool input) =>
        context.CallActivityAsync<bool>(nameof(WarmUpActivity), input);
}

public sealed class WarmUpActivity(ExperimentWarmUp rows) : TaskActivity<bool, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, bool input)
    {
        if (input) await rows.WarmAsync(CancellationToken.None);
        return input;
    }
}
