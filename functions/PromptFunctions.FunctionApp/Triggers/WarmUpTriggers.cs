using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using PromptFunctions.Core.Experiments;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>The experiment engine's warm-up when a host instance starts (<see cref="ExperimentEngineWarmUp"/>).</summary>
public sealed class WarmUpTriggers(ExperimentEngineWarmUp warmUp)
{
    /// <summary>
    /// A timer only because RunOnStartup is how a Functions app runs something with a Durable client when an instance
    /// starts (every start and scale-out, which is the point: each new instance pays its own cold dispatch). The
    /// schedule itself, once a year, only adds one more warm-up.
    /// </summary>
    [Function("WarmUpExperimentEngine")]
    public Task WarmUp([TimerTrigger("0 0 0 1 1 *", RunOnStartup = true)] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        warmUp.Enabled ? warmUp.RunAsync(durable, warmRows: true, cancellationToken) : Task.CompletedTask;
}
