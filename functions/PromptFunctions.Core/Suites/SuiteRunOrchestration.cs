using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using PromptFunctions.Core.Experiments;

namespace PromptFunctions.Core.Suites;

public sealed record SuiteRunInput(string RunId);

public sealed record SuiteRunFailure(string RunId, string Reason);

/// <summary>
/// One suite run: prepare (resolve the tag and dataset once, create the experiments), run the baseline and every
/// candidate at once as sub-orchestrations of the experiment engine's own <see cref="RunExperimentOrchestrator"/>
/// (instance id = experiment id), then decide and announce. Deterministic: only its input and task results.
/// </summary>
public sealed class RunSuiteOrchestrator : TaskOrchestrator<SuiteRunInput, string>
{
    private static readonly TaskOptions Retries = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    public override async Task<string> RunAsync(TaskOrchestrationContext context, SuiteRunInput input)
    {
        var logger = context.CreateReplaySafeLogger<RunSuiteOrchestrator>();
        try
        {
            var preparation = await context.CallActivityAsync<SuitePreparation>(nameof(PrepareSuiteRunActivity), input.RunId, Retries);
            if (preparation.Error is { } error)
                return await context.CallActivityAsync<string>(nameof(FailSuiteRunActivity), new SuiteRunFailure(input.RunId, error), Retries);

            var experiments = preparation.Experiments
                .Select(plan => context.CallSubOrchestratorAsync<string>(nameof(RunExperimentOrchestrator), new ExperimentRunState(plan, 0, 0, 0),
                    new SubOrchestrationOptions(Retries, plan.ExperimentId)))
                .ToList();
            await Task.WhenAll(experiments);
            var status = await context.CallActivityAsync<string>(nameof(CompleteSuiteRunActivity), input.RunId, Retries);
            logger.LogInformation("Suite run {Run} finished: {Status}", input.RunId, status);
            return status;
        }
        catch (TaskFailedException e)
        {
            logger.LogError("Suite run {Run} failed: {Reason}", input.RunId, e.Message);
            return await context.CallActivityAsync<string>(nameof(FailSuiteRunActivity), new SuiteRunFailure(input.RunId, e.FailureDetails.ErrorMessage), Retries);
        }
    }
}

public sealed class PrepareSuiteRunActivity(SuiteRunner runner) : TaskActivity<string, SuitePreparation>
{
    public override Task<SuitePreparation> RunAsync(TaskActivityContext context, string runId) => runner.PrepareAsync(runId, CancellationToken.None);
}

public sealed class CompleteSuiteRunActivity(SuiteRunner runner) : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string runId) => runner.CompleteAsync(runId, CancellationToken.None);
}

public sealed class FailSuiteRunActivity(SuiteRunner runner) : TaskActivity<SuiteRunFailure, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, SuiteRunFailure failure) => runner.FailAsync(failure.RunId, failure.Reason, CancellationToken.None);
}
