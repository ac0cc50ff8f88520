using System.Text.Json.Nodes;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Optimization;
using PromptFunctions.Core.Events;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Optimization;

/// <summary>
/// Ends a run (step 6): when it adopted a candidate, saves it as a new version through <see cref="PromptService"/>
/// with its lineage (parent, run, round, rationale, validation comparison), points the target tag at it and
/// publishes <c>optimization.proposed</c>; then records the outcome. The loop writes as a principal without the
/// <c>promote</c> role, so no protected tag (production) can move through it. Repeating it is harmless: identical
/// content is the same version, the tag is already there, the event has a fixed idempotency key, and a run already
/// completed is left as it is.
/// </summary>
public sealed class OptimizationFinisher(OptimizationStore store, OptimizationEvaluator evaluator, PromptService prompts, IEventPublisher events, TimeProvider clock)
{
    public async Task<string> FinishAsync(OptimizationState state, string stopReason, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(state.Id, cancellationToken);
        if (record is null) return OptimizationStatus.Failed;
        if (!OptimizationStatus.Active.Contains(record.Status)) return record.Status;
        var spec = await store.GetSpecAsync(state.Id, cancellationToken);
        var plan = state.Plan!;

        OptimizationResult? result = null;
        OptimizationComparison? comparison = null;
        string? error = null;
        if (state.Current is { } winner && winner != plan.OriginalId)
        {
            comparison = await CompareAsync(state.Id, spec, plan.OriginalId, winner, cancellationToken);
            var round = state.CurrentRound ?? 0;
            var content = PromptVersionJson.Parse(JsonNode.Parse(await store.ReadContentAsync(state.Id, winner, cancellationToken)));
            var lineage = new VersionLineage(state.Id, round, state.CurrentRationale, OptimizationEvaluator.Cut(Describe(comparison), 2000));
            var version = new NewVersion(spec.PromptName, content, $"proposed by optimization {state.Id} (round {round})", spec.PromptVersionId, Optimization: lineage);
            var writer = MetaPrompt.Writer(state.Id);
            PublishOutcome outcome;
            try
            {
                outcome = await prompts.PublishAsync(version, [spec.TargetTag], writer, $"optimization {state.Id}", cancellationToken);
            }
            catch (ProblemException e) when (e.Status == 403)
            {
                // Checked at start; a tag configured as protected since then is still never moved by the loop.
                error = $"target tag '{spec.TargetTag}' became protected during the run, so it was not moved";
                outcome = await prompts.PublishAsync(version, [], writer, null, cancellationToken);
            }
            switch (outcome)
            {
                case PublishOutcome.Published published:
                    var moved = published.Tags.Any(t => t.Tag == spec.TargetTag && t.Outcome is TagChangeOutcome.Changed or TagChangeOutcome.Unchanged);
                    result = new OptimizationResult(published.Version.Id, published.Version.Sequence, published.Created, spec.TargetTag, moved, round, state.CurrentRationale);
                    await events.PublishAsync(EventTypes.OptimizationProposed, $"{EventTypes.OptimizationProposed}:{state.Id}",
                        EventData(state, spec, result, comparison), cancellationToken);
                    break;
                case PublishOutcome.ParentNotFound:
                    await store.TransitionAsync(state.Id, OptimizationStatus.Active, r => r with
                    {
                        Status = OptimizationStatus.Failed,
                        Error = $"the starting version {spec.PromptVersionId} was deleted during the run, so its improvement could not be saved with its lineage",
                        CompletedAt = clock.GetUtcNow(),
                        CallsSpent = state.Calls,
                        CostSpent = state.Cost,
                        StopReason = stopReason,
                        ComparisonJson = Json(comparison),
                    }, cancellationToken);
                    return OptimizationStatus.Failed;
                default:
                    throw new InvalidOperationException($"prompt '{spec.PromptName}' is busy; the step is retried");
            }
        }

        var done = await store.TransitionAsync(state.Id, OptimizationStatus.Active, r => r with
        {
            Status = OptimizationStatus.Completed,
            Outcome = result is null ? OptimizationOutcomes.NoImprovement : OptimizationOutcomes.Improved,
            StopReason = stopReason,
            Error = error,
            CompletedAt = clock.GetUtcNow(),
            RoundsCompleted = state.Round,
            CallsSpent = state.Calls,
            CostSpent = state.Cost,
            ResultJson = result is null ? null : System.Text.Encoding.UTF8.GetString(ContractsJson.Serialize(result)),
            ComparisonJson = Json(comparison),
        }, cancellationToken);
        return done switch
        {
            OptimizationTransition.Changed => OptimizationStatus.Completed,
            OptimizationTransition.WrongStatus wrong => wrong.Status,
            OptimizationTransition.Busy => throw new InvalidOperationException($"optimization {state.Id} is being changed by many writers; the step is retried"),
            _ => OptimizationStatus.Failed,
        };
    }

    /// <summary>The adopted version against the starting one: validation, and the guard set when the run has one.</summary>
    private async Task<OptimizationComparison> CompareAsync(string id, OptimizationSpec spec, string original, string winner, CancellationToken cancellationToken)
    {
        async Task<(List<EvaluationRow> Baseline, List<EvaluationRow> Candidate)> PairedAsync(EvaluationSet set)
        {
            var (dataset, examples) = await evaluator.ExamplesAsync(spec, set, null, cancellationToken);
            var baseline = await store.ReadRowsAsync(id, original, dataset, cancellationToken);
            var candidate = await store.ReadRowsAsync(id, winner, dataset, cancellationToken);
            var both = examples.Where(e => baseline.ContainsKey(e.Index) && candidate.ContainsKey(e.Index)).ToList();
            return (both.Select(e => baseline[e.Index]).ToList(), both.Select(e => candidate[e.Index]).ToList());
        }

        var validation = await PairedAsync(EvaluationSet.Validation);
        IReadOnlyList<ComparisonEvaluatorVerdict>? guard = null;
        if (spec.GuardName is not null)
        {
            var guardRows = await PairedAsync(EvaluationSet.Guard);
            if (guardRows.Baseline.Count > 0) guard = evaluator.Compare(guardRows.Baseline, guardRows.Candidate, spec.Seed);
        }
        return new OptimizationComparison(original, winner, OptimizationEvaluator.Score(validation.Baseline), OptimizationEvaluator.Score(validation.Candidate),
            evaluator.Compare(validation.Baseline, validation.Candidate, spec.Seed), guard);
    }

    private static string Describe(OptimizationComparison comparison) =>
        $"validation {comparison.BaselineValidation.Passed}/{comparison.BaselineValidation.Examples} -> {comparison.CandidateValidation.Passed}/{comparison.CandidateValidation.Examples} passed; " +
        string.Join("; ", comparison.Validation.Select(v => $"{v.Evaluator} {v.Verdict}: {v.Reason}"));

    private static string? Json(OptimizationComparison? comparison) =>
        comparison is null ? null : System.Text.Encoding.UTF8.GetString(ContractsJson.Serialize(comparison));

    private static JsonObject EventData(OptimizationState state, OptimizationSpec spec, OptimizationResult result, OptimizationComparison comparison) => new()
    {
        ["optimization_id"] = state.Id,
        ["prompt"] = spec.PromptName,
        ["version"] = result.Version,
        ["sequence"] = result.Sequence,
        ["created"] = result.Created,
        ["parent"] = spec.PromptVersionId,
        ["target_tag"] = result.TargetTag,
        ["tag_moved"] = result.TagMoved,
        ["round"] = result.Round,
        ["rationale"] = result.Rationale,
        ["validation"] = new JsonObject
        {
            ["baseline_passed"] = comparison.BaselineValidation.Passed,
            ["candidate_passed"] = comparison.CandidateValidation.Passed,
            ["examples"] = comparison.CandidateValidation.Examples,
            ["verdicts"] = new JsonArray(comparison.Validation.Select(v => (JsonNode?)new JsonObject { ["evaluator"] = v.Evaluator, ["verdict"] = v.Verdict, ["reason"] = v.Reason }).ToArray()),
        },
        ["spent"] = new JsonObject { ["model_calls"] = state.Calls, ["cost"] = state.Cost },
    };
}
