using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptFunctions.Contracts.Optimization;

namespace PromptFunctions.Core.Optimization;

/// <summary>What a run needs to plan its steps, fixed by its first activity.</summary>
/// <param name="OriginalId">Content id of the starting version.</param>
/// <param name="CallsPerRow">Model calls one example costs: one for the task, one per LLM judge.</param>
public sealed record OptimizationPlan(string OriginalId, int Train, int Validation, int Guard, int CallsPerRow, int CandidatesPerRound, int MaxRounds, long MaxModelCalls,
    double? MaxCost);

/// <summary>
/// The orchestration's state between rounds (its input on every continue-as-new), including what the run has spent:
/// the budget lives here, so the engine's replay, not a counter in storage, decides what was already paid for. It is
/// also stored with each round record as the run's checkpoint.
/// </summary>
/// <param name="Round">Rounds finished.</param>
/// <param name="Current">Content id of the version the next round starts from.</param>
/// <param name="CurrentRound">The round that proposed <see cref="Current"/>; null while it is the starting version.</param>
/// <param name="CurrentTrained">The current version's training rows are all stored, so evaluating it on train is free.</param>
/// <param name="Stopped">Set once the run has decided to stop, so a resumed run goes straight to finishing.</param>
public sealed record OptimizationState(
    string Id,
    OptimizationPlan? Plan,
    int Round,
    long Calls,
    double Cost,
    string? Current,
    int? CurrentRound,
    string? CurrentRationale,
    bool CurrentTrained,
    bool CurrentValidated,
    bool CurrentGuarded,
    string? Stopped)
{
    public static OptimizationState Initial(string id) => new(id, null, 0, 0, 0, null, null, null, false, false, false, null);
}

public enum EvaluationSet
{
    Train,
    Validation,
    Guard,
    /// <summary>The training examples listed in <see cref="EvaluationInput.Indexes"/>.</summary>
    Minibatch,
}

/// <param name="Step">Names the step (round, purpose, version); rows carry it, so the step's spend is counted once however often it runs.</param>
/// <param name="Baseline">When set, the result compares the version with this one on the same examples.</param>
public sealed record EvaluationInput(string OptimizationId, string ContentId, EvaluationSet Set, IReadOnlyList<long>? Indexes, string Step, string? Baseline);

public sealed record EvaluationResult(OptimizationScore Score, long Calls, double Cost, bool Improved, bool Regressed, IReadOnlyList<ComparisonEvaluatorVerdict>? Verdicts, bool Cancelled)
{
    public static readonly EvaluationResult CancelledResult = new(new OptimizationScore(0, 0, 0), 0, 0, false, false, null, true);
}

public sealed record ProposalInput(string OptimizationId, int Round, string Current, string Step);

/// <param name="Minibatch">Training example indexes to screen candidates on: the examples shown plus a sample of passing ones.</param>
/// <param name="Shown">Ids of the examples shown to the optimizer.</param>
public sealed record Proposal(IReadOnlyList<ProposedCandidate> Candidates, IReadOnlyList<long> Minibatch, IReadOnlyList<string> Shown, string? MetaPromptVersion,
    string? Error, long Calls, double Cost, bool Cancelled)
{
    public static readonly Proposal CancelledProposal = new([], [], [], null, null, 0, 0, true);

    /// <summary>Templates stay in the stored proposal (the round record shows them); the orchestration needs only ids.</summary>
    public Proposal WithoutTemplates() => this with { Candidates = Candidates.Select(c => c with { Template = null }).ToList() };
}

/// <param name="ContentId">Null when the candidate was rejected (<see cref="Rejected"/> says why).</param>
public sealed record ProposedCandidate(int Index, string? ContentId, string? Rationale, string? Rejected, JsonNode? Template);

public sealed record RoundRecordInput(OptimizationState State, OptimizationRound Round);

public sealed record FinishInput(OptimizationState State, string StopReason);

public sealed record OptimizationFailure(string OptimizationId, string Reason);

/// <summary>
/// The optimization loop (docs/optimization.md), one round per generation: evaluate the current version on train
/// (and validation), ask the optimizer for candidates, screen them on a minibatch of train, evaluate the survivors
/// on validation against the current version, check the best on the guard set, and adopt it; then continue as new
/// with the state, so history stays one round long however many rounds run.
/// Before every step that calls a model the state's spend plus the step's planned calls (examples × calls per
/// example; one for the optimizer) is checked against the budget, so the run never exceeds <c>max_model_calls</c>.
/// Deterministic: it uses only its input and activity results.
/// </summary>
public sealed class RunOptimizationOrchestrator : TaskOrchestrator<OptimizationState, string>
{
    internal static readonly TaskOptions Retries = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    public const string CancelledResult = "cancelled";

    public override async Task<string> RunAsync(TaskOrchestrationContext context, OptimizationState input)
    {
        var logger = context.CreateReplaySafeLogger<RunOptimizationOrchestrator>();
        var state = input;
        try
        {
            if (state.Plan is null)
            {
                var plan = await context.CallActivityAsync<OptimizationPlan?>(nameof(StartOptimizationActivity), state.Id, Retries);
                if (plan is null) return CancelledResult;
                state = state with { Plan = plan, Current = plan.OriginalId };
            }
            if (state.Stopped is { } stopped) return await FinishAsync(context, state, stopped);
            if (state.Round >= state.Plan.MaxRounds) return await FinishAsync(context, state, StopReasons.MaxRounds);

            var (next, record, stop) = await new RoundSteps(context, state).RunAsync();
            if (stop == CancelledResult) return CancelledResult;
            next = next with { Stopped = stop };
            await context.CallActivityAsync<bool>(nameof(RecordOptimizationRoundActivity), new RoundRecordInput(next, record!), Retries);
            logger.LogInformation("Optimization {Optimization} finished round {Round}: {Calls} model calls so far", state.Id, next.Round, next.Calls);
            if (stop is not null) return await FinishAsync(context, next, stop);
            context.ContinueAsNew(next);
            return OptimizationStatus.Running;
        }
        catch (TaskFailedException e)
        {
            logger.LogError("Optimization {Optimization} failed: {Reason}", state.Id, e.Message);
            await context.CallActivityAsync<bool>(nameof(FailOptimizationActivity), new OptimizationFailure(state.Id, e.FailureDetails.ErrorMessage), Retries);
            return OptimizationStatus.Failed;
        }
    }

    private static Task<string> FinishAsync(TaskOrchestrationContext context, OptimizationState state, string stopReason) =>
        context.CallActivityAsync<string>(nameof(FinishOptimizationActivity), new FinishInput(state, stopReason), Retries);

    /// <summary>One round's steps; a plain class so the orchestrator stays short. Runs on the orchestration's thread, deterministically.</summary>
    private sealed class RoundSteps(TaskOrchestrationContext context, OptimizationState start)
    {
        private readonly OptimizationPlan _plan = start.Plan!;
        private readonly int _number = start.Round + 1;
        private readonly string _baseline = start.Current!;
        private readonly List<OptimizationCandidate> _candidates = [];
        private OptimizationState _state = start;
        private OptimizationScore? _train;
        private OptimizationScore? _validation;
        private OptimizerCall? _optimizer;
        private string? _accepted;

        public async Task<(OptimizationState Next, Contracts.Optimization.OptimizationRound? Record, string? Stop)> RunAsync()
        {
            var current = _baseline;

            // Steps 1-2: the current version on train (its failures are what the optimizer learns from) and on validation.
            if (!_state.CurrentTrained && Exceeds(_plan.Train) is { } beforeTrain) return Stop(beforeTrain);
            var train = await EvaluateAsync(current, EvaluationSet.Train, "train");
            if (train.Cancelled) return Cancelled();
            _state = _state with { CurrentTrained = true };
            _train = train.Score;
            if (!_state.CurrentValidated && Exceeds(_plan.Validation) is { } beforeValidation) return Stop(beforeValidation);
            var validation = await EvaluateAsync(current, EvaluationSet.Validation, "validation");
            if (validation.Cancelled) return Cancelled();
            _state = _state with { CurrentValidated = true };
            _validation = validation.Score;
            if (train.Score.Passed == train.Score.Examples || validation.Score.Passed == validation.Score.Examples) return Stop(StopReasons.Success);

            // Step 3: candidates from the optimizer.
            if (Exceeds(0, optimizerCalls: 1) is { } beforePropose) return Stop(beforePropose);
            var proposal = await context.CallActivityAsync<Proposal>(nameof(ProposeCandidatesActivity),
                new ProposalInput(_state.Id, _number, current, Step("propose", current)), Retries);
            if (proposal.Cancelled) return Cancelled();
            Spend(proposal.Calls, proposal.Cost);
            _optimizer = new OptimizerCall(proposal.MetaPromptVersion, proposal.Shown, proposal.Error);
            foreach (var c in proposal.Candidates)
                _candidates.Add(new OptimizationCandidate(c.Index, c.ContentId, c.Rejected is null ? CandidateStatus.Proposed : CandidateStatus.Rejected, c.Rejected ?? "",
                    c.Rationale, null, null, null, null, null, null, null));

            // Step 4a: screen on the minibatch (the current version's rows there are already stored, so its score is free).
            if (Open().Any())
            {
                var baseline = await EvaluateAsync(current, EvaluationSet.Minibatch, "minibatch", proposal.Minibatch);
                if (baseline.Cancelled) return Cancelled();
                foreach (var i in Open().ToList())
                {
                    if (Exceeds(proposal.Minibatch.Count) is { } beforeScreen) return Stop(beforeScreen);
                    var screened = await EvaluateAsync(_candidates[i].Id!, EvaluationSet.Minibatch, "screen", proposal.Minibatch);
                    if (screened.Cancelled) return Cancelled();
                    var better = screened.Score.Objective > baseline.Score.Objective;
                    _candidates[i] = _candidates[i] with
                    {
                        Minibatch = screened.Score,
                        MinibatchBaseline = baseline.Score,
                        Status = better ? CandidateStatus.Proposed : CandidateStatus.ScreenedOut,
                        Reason = better ? "" : $"scored {F(screened.Score.Objective)} on the {screened.Score.Examples} screening examples, not above the current version's {F(baseline.Score.Objective)}",
                    };
                }
            }

            // Step 4b: survivors on validation, best screening score first, each compared with the current version.
            foreach (var i in Open().OrderByDescending(i => _candidates[i].Minibatch!.Objective).ThenBy(i => i).ToList())
            {
                if (Exceeds(_plan.Validation) is { } beforeValidate) return Stop(beforeValidate);
                var validated = await EvaluateAsync(_candidates[i].Id!, EvaluationSet.Validation, "validate", baseline: current);
                if (validated.Cancelled) return Cancelled();
                var significant = validated.Improved && !validated.Regressed;
                _candidates[i] = _candidates[i] with
                {
                    Validation = validated.Score,
                    ValidationVerdicts = validated.Verdicts,
                    Status = significant ? CandidateStatus.Proposed : CandidateStatus.NotBetter,
                    Reason = significant ? ""
                        : validated.Regressed ? $"significantly worse on validation: {Summary(validated.Verdicts, "regressed")}"
                        : $"not significantly better than the current version on validation: {Summary(validated.Verdicts, null)}",
                };
            }

            // Step 4c: the best significant candidate that does not regress the guard set is adopted.
            foreach (var i in Open().OrderByDescending(i => _candidates[i].Validation!.Objective).ThenBy(i => i).ToList())
            {
                if (_accepted is not null)
                {
                    _candidates[i] = _candidates[i] with { Status = CandidateStatus.Outscored, Reason = $"also significantly better, but candidate {Index(_accepted)} scored higher on validation" };
                    continue;
                }
                if (_plan.Guard > 0)
                {
                    if (!_state.CurrentGuarded)
                    {
                        if (Exceeds(_plan.Guard) is { } beforeGuardBaseline) return Stop(beforeGuardBaseline);
                        var guardBaseline = await EvaluateAsync(current, EvaluationSet.Guard, "guard");
                        if (guardBaseline.Cancelled) return Cancelled();
                        _state = _state with { CurrentGuarded = true };
                    }
                    if (Exceeds(_plan.Guard) is { } beforeGuard) return Stop(beforeGuard);
                    var guarded = await EvaluateAsync(_candidates[i].Id!, EvaluationSet.Guard, "guard-check", baseline: current);
                    if (guarded.Cancelled) return Cancelled();
                    _candidates[i] = _candidates[i] with { Guard = guarded.Score, GuardVerdicts = guarded.Verdicts };
                    if (guarded.Regressed)
                    {
                        _candidates[i] = _candidates[i] with
                        {
                            Status = CandidateStatus.GuardRegressed,
                            Reason = $"significantly better on validation but significantly worse on the guard set: {Summary(guarded.Verdicts, "regressed")}",
                        };
                        continue;
                    }
                }
                _accepted = _candidates[i].Id;
                _candidates[i] = _candidates[i] with
                {
                    Status = CandidateStatus.Accepted,
                    Reason = $"significantly better than the current version on validation{(_plan.Guard > 0 ? " and not significantly worse on the guard set" : "")}: {Summary(_candidates[i].ValidationVerdicts, "improved")}",
                };
                var rationale = _candidates[i].Rationale;
                _state = _state with
                {
                    Current = _accepted,
                    CurrentRound = _number,
                    CurrentRationale = rationale,
                    CurrentTrained = false,
                    CurrentValidated = true,
                    CurrentGuarded = _plan.Guard > 0,
                };
            }

            _state = _state with { Round = _number };
            return (_state, Record(null), null);
        }

        private IEnumerable<int> Open() => _candidates.Select((c, i) => (c, i)).Where(x => x.c.Status == CandidateStatus.Proposed).Select(x => x.i);

        private int Index(string contentId) => _candidates.First(c => c.Id == contentId).Index;

        private async Task<EvaluationResult> EvaluateAsync(string content, EvaluationSet set, string purpose, IReadOnlyList<long>? indexes = null, string? baseline = null)
        {
            var result = await context.CallActivityAsync<EvaluationResult>(nameof(EvaluateOptimizationActivity),
                new EvaluationInput(_state.Id, content, set, indexes, Step(purpose, content), baseline), Retries);
            Spend(result.Calls, result.Cost);
            return result;
        }

        private string Step(string purpose, string content) => $"{_number.ToString(CultureInfo.InvariantCulture)}/{purpose}/{content}";

        private void Spend(long calls, double cost) => _state = _state with { Calls = _state.Calls + calls, Cost = _state.Cost + cost };

        /// <summary>
        /// The budget limit the next step would break, if any. Calls are planned exactly (an upper bound: stored rows
        /// cost nothing); cost is estimated from the average cost per call so far, since a price is known only after.
        /// </summary>
        private string? Exceeds(int examples, int optimizerCalls = 0)
        {
            var planned = (long)examples * _plan.CallsPerRow + optimizerCalls;
            if (_state.Calls + planned > _plan.MaxModelCalls) return StopReasons.MaxModelCalls;
            if (_plan.MaxCost is { } maxCost)
            {
                var perCall = _state.Calls == 0 ? 0 : _state.Cost / _state.Calls;
                if (_state.Cost >= maxCost || _state.Cost + perCall * planned > maxCost) return StopReasons.MaxCost;
            }
            return null;
        }

        private (OptimizationState, Contracts.Optimization.OptimizationRound?, string?) Stop(string reason)
        {
            for (var i = 0; i < _candidates.Count; i++)
            {
                if (_candidates[i].Status == CandidateStatus.Proposed)
                    _candidates[i] = _candidates[i] with { Status = CandidateStatus.NotEvaluated, Reason = $"the run stopped before evaluating it ({reason})" };
            }
            _state = _state with { Round = _number };
            return (_state, Record(reason), reason);
        }

        private (OptimizationState, Contracts.Optimization.OptimizationRound?, string?) Cancelled() => (_state, null, CancelledResult);

        private Contracts.Optimization.OptimizationRound Record(string? stoppedBy) =>
            new(_number, _baseline, _train, _validation, _optimizer, _candidates.ToList(), _accepted, new OptimizationSpent(_number, _state.Calls, _state.Cost), stoppedBy);

        private static string Summary(IReadOnlyList<ComparisonEvaluatorVerdict>? verdicts, string? only) =>
            verdicts is null or { Count: 0 } ? "no evaluator scored both versions"
            : string.Join("; ", verdicts.Where(v => only is null || v.Verdict == only).Select(v => $"{v.Evaluator} {v.Verdict}: {v.Reason}"));

        private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
    }
}

public sealed class StartOptimizationActivity(OptimizationRunner runner) : TaskActivity<string, OptimizationPlan?>
{
    public override Task<OptimizationPlan?> RunAsync(TaskActivityContext context, string optimizationId) => runner.StartAsync(optimizationId);
}

public sealed class EvaluateOptimizationActivity(OptimizationEvaluator evaluator, IHostApplicationLifetime lifetime) : TaskActivity<EvaluationInput, EvaluationResult>
{
    // Stopping the process abandons the step (nothing more is written); the engine runs it again elsewhere.
    public override Task<EvaluationResult> RunAsync(TaskActivityContext context, EvaluationInput input) => evaluator.EvaluateAsync(input, lifetime.ApplicationStopping);
}

public sealed class ProposeCandidatesActivity(OptimizationProposer proposer, IHostApplicationLifetime lifetime) : TaskActivity<ProposalInput, Proposal>
{
    public override Task<Proposal> RunAsync(TaskActivityContext context, ProposalInput input) => proposer.ProposeAsync(input, lifetime.ApplicationStopping);
}

public sealed class RecordOptimizationRoundActivity(OptimizationRunner runner) : TaskActivity<RoundRecordInput, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, RoundRecordInput input)
    {
        await runner.RecordRoundAsync(input.State, input.Round);
        return true;
    }
}

public sealed class FinishOptimizationActivity(OptimizationFinisher finisher) : TaskActivity<FinishInput, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, FinishInput input) => finisher.FinishAsync(input.State, input.StopReason, CancellationToken.None);
}

public sealed class FailOptimizationActivity(OptimizationStore store, TimeProvider clock) : TaskActivity<OptimizationFailure, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, OptimizationFailure failure)
    {
        await store.TransitionAsync(failure.OptimizationId, OptimizationStatus.Active,
            r => r with { Status = OptimizationStatus.Failed, Error = OptimizationEvaluator.Cut(failure.Reason, 4000), CompletedAt = clock.GetUtcNow() }, CancellationToken.None);
        return true;
    }
}
