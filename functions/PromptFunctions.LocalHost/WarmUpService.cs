using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using PromptFunctions.Core.Experiments;

namespace PromptFunctions.LocalHost;

/// <summary>
/// Warms the experiment path before the host takes requests: the row's code (<see cref="ExperimentWarmUp"/>) and one
/// orchestration with one activity through the in-process engine (the sidecar, the gRPC streams, history
/// serialization, the worker's dispatch), which is then purged. The first experiment after <c>./run.sh</c> was
/// 1.7-1.9x its ideal, mostly JIT on a 2-core machine; a nightly run on a fresh host is always such a first run.
/// Bounded, and never fails the start.
/// </summary>
public sealed class WarmUpService(ExperimentWarmUp experiments, DurableTaskClient durable, ILogger<WarmUpService> logger) : IHostedService
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        await Task.WhenAll(experiments.WarmAsync(limit.Token), WarmEngineAsync(limit.Token));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WarmEngineAsync(CancellationToken cancellationToken)
    {
        var instanceId = "pf-warm-up-" + Guid.NewGuid().ToString("N");
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(nameof(WarmUpOrchestrator), 1, new StartOrchestrationOptions(InstanceId: instanceId), cancellationToken);
            await durable.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
            await durable.PurgeInstanceAsync(instanceId, cancellation: cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested || e is OperationCanceledException)
        {
            logger.LogWarning(e, "The Durable engine warm-up did not finish; the first experiment will be slower");
        }
    }

    /// <summary>Registers the warm-up's tasks; the local host's engine only (the Functions app has no use for them).</summary>
    public static void AddTasks(DurableTaskRegistry registry)
    {
        registry.AddOrchestrator<WarmUpOrchestrator>();
        registry.AddActivity<WarmUpActivity>();
    }
}

/// <summary>Calls one activity, like an experiment's first batch. Deterministic: its input and the activity's result only.</summary>
public sealed class WarmUpOrchestrator : TaskOrchestrator<int, int>
{
    public override Task<int> RunAsync(TaskOrchestrationContext context, int input) =>
        context.CallActivityAsync<int>(nameof(WarmUpActivity), input);
}

public sealed class WarmUpActivity : TaskActivity<int, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, int input) => Task.FromResult(input);
}
