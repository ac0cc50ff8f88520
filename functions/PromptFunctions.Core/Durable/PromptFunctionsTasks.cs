using Microsoft.DurableTask;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Webhooks;
using PromptFunctions.Core.Suites;
using PromptFunctions.Core.Optimization;

namespace PromptFunctions.Core.Durable;

/// <summary>
/// The one list of orchestrators and activities. The Functions worker, the local host's in-process engine and
/// the orchestration tests all register through <see cref="AddPromptFunctionsTasks"/>, so a task added here
/// runs identically everywhere.
/// </summary>
public static class PromptFunctionsTasks
{
    public static DurableTaskRegistry AddPromptFunctionsTasks(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddOrchestrator<RunExperimentOrchestrator>();
        registry.AddActivity<RunExperimentBatchActivity>();
        registry.AddActivity<FinalizeExperimentActivity>();
        registry.AddActivity<FailExperimentActivity>();
        registry.AddOrchestrator<DeliverWebhookOrchestrator>();
        registry.AddActivity<AttemptWebhookDeliveryActivity>();
        registry.AddOrchestrator<RunSuiteOrchestrator>();
        registry.AddActivity<PrepareSuiteRunActivity>();
        registry.AddActivity<CompleteSuiteRunActivity>();
        registry.AddActivity<FailSuiteRunActivity>();
        registry.AddOrchestrator<RunOptimizationOrchestrator>();
        registry.AddActivity<StartOptimizationActivity>();
        registry.AddActivity<EvaluateOptimizationActivity>();
        registry.AddActivity<ProposeCandidatesActivity>();
        registry.AddActivity<RecordOptimizationRoundActivity>();
        registry.AddActivity<FinishOptimizationActivity>();
        registry.AddActivity<FailOptimizationActivity>();
        registry.AddOrchestrator<WarmUpOrchestrator>();
        registry.AddActivity<WarmUpActivity>();
        return registry;
    }
}
