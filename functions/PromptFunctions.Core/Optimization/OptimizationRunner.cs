using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptFunctions.Contracts;
using PromptFunctions.Core.Models;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Optimization;

/// <summary>The bookkeeping steps of a run: starting it (pinning the meta-prompt and the starting content) and recording each round.</summary>
public sealed class OptimizationRunner(OptimizationStore store, MetaPrompt metaPrompt, PromptCatalog catalog, ModelConnections connections, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Marks the run running and returns its plan; null when it was cancelled before it started.</summary>
    public async Task<OptimizationPlan?> StartAsync(string id)
    {
        var cancellationToken = CancellationToken.None;
        var record = await store.GetAsync(id, cancellationToken);
        if (record is null || !OptimizationStatus.Active.Contains(record.Status)) return null;
        var spec = await store.GetSpecAsync(id, cancellationToken);

        var metaVersion = record.MetaPromptVersionId ?? (await metaPrompt.EnsureAsync(id, cancellationToken)).Id;
        var meta = await metaPrompt.ContentAsync(metaVersion, cancellationToken);
        var optimizerModel = spec.OptimizerModel ?? meta.Model?.Name ?? connections.Settings(spec.OptimizerConnection).Model;

        var version = await catalog.ResolveVersionAsync(spec.PromptName, spec.PromptVersionId, cancellationToken)
            ?? throw new InvalidOperationException($"the starting version {spec.PromptVersionId} of '{spec.PromptName}' was deleted before the run started");
        var document = await catalog.GetDocumentAsync(version, cancellationToken) ?? throw PromptLookups.MissingContent(version);
        await store.SaveContentAsync(id, version.Id, PromptVersionJson.ToCanonicalBytes(document.Content), cancellationToken);

        var started = await store.TransitionAsync(id, OptimizationStatus.Active, r => r with
        {
            Status = OptimizationStatus.Running,
            StartedAt = r.StartedAt ?? clock.GetUtcNow(),
            MetaPromptVersionId = metaVersion,
            OptimizerModel = optimizerModel,
        }, cancellationToken);
        switch (started)
        {
            case OptimizationTransition.Changed:
                break;
            case OptimizationTransition.Busy:
                throw new InvalidOperationException($"optimization {id} is being changed by many writers; the step is retried");
            default:
                return null;
        }
        var callsPerRow = 1 + EvaluatorSpecParser.Parse(spec.Evaluators).Count(s => s is LlmJudgeSpec);
        return new OptimizationPlan(version.Id, spec.TrainCount, spec.ValidationCount, spec.GuardCount, callsPerRow, spec.CandidatesPerRound, spec.MaxRounds,
            spec.MaxModelCalls, spec.MaxCost);
    }

    /// <summary>Stores the round as the API shows it (with each candidate's template) and the state after it as the run's checkpoint.</summary>
    public async Task RecordRoundAsync(OptimizationState state, Contracts.Optimization.OptimizationRound round)
    {
        var cancellationToken = CancellationToken.None;
        var proposal = await store.ReadProposalAsync<Proposal>(state.Id, round.Number, cancellationToken);
        var candidates = round.Candidates
            .Select(c => c with { Template = proposal?.Candidates.FirstOrDefault(p => p.Index == c.Index)?.Template?.DeepClone() })
            .ToList();
        await store.SaveRoundAsync(state.Id, round.Number, ContractsJson.Serialize(round with { Candidates = candidates }), cancellationToken);
        var checkpoint = JsonSerializer.Serialize(state, Json);
        var outcome = await store.TransitionAsync(state.Id, OptimizationStatus.Active, r => r with
        {
            RoundsCompleted = state.Round,
            CallsSpent = state.Calls,
            CostSpent = state.Cost,
            CheckpointJson = checkpoint,
        }, cancellationToken);
        if (outcome is OptimizationTransition.Busy) throw new InvalidOperationException($"optimization {state.Id} is being changed by many writers; the step is retried");
    }

    public static OptimizationState? Checkpoint(string? json) => json is null ? null : JsonSerializer.Deserialize<OptimizationState>(json, Json);
}

/// <summary>
/// Resumes runs whose orchestration the Durable engine no longer knows, from their last checkpoint. The Functions
/// app never needs it (Durable Functions keeps orchestrations in its own storage); the local host's in-memory
/// engine loses them when the process stops, and runs this once at start.
/// </summary>
public sealed partial class OptimizationRecovery(OptimizationStore store, ILogger<OptimizationRecovery> logger)
{
    public async Task<int> ResumeAsync(DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var resumed = 0;
        foreach (var id in await store.ListActiveAsync(cancellationToken))
        {
            var record = await store.GetAsync(id, cancellationToken);
            if (record is null || !OptimizationStatus.Active.Contains(record.Status)) continue;
            if (await durable.GetInstanceAsync(id, cancellationToken) is not null) continue;
            var checkpoint = OptimizationRunner.Checkpoint(record.CheckpointJson);
            await OptimizationStarter.ScheduleAsync(id, durable, cancellationToken, checkpoint);
            LogResumed(logger, id, checkpoint?.Round ?? 0, checkpoint?.Calls ?? 0);
            resumed++;
        }
        return resumed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed optimization {Optimization} after round {Round} with {Calls} model calls spent")]
    private static partial void LogResumed(ILogger logger, string optimization, int round, long calls);
}

/// <summary>Runs <see cref="OptimizationRecovery"/> once when a host with an in-memory Durable engine starts.</summary>
public sealed partial class OptimizationRecoveryService(OptimizationRecovery recovery, DurableTaskClient durable, ILogger<OptimizationRecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await recovery.ResumeAsync(durable, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Resuming interrupted optimization runs failed; they stay as they are until the next start")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
