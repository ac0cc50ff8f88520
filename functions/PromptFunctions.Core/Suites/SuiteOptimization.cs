using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using PromptFunctions.Contracts.Suites;
using PromptFunctions.Core.Durable;
using PromptFunctions.Core.Optimization;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Suites;

/// <summary>
/// A suite's <c>optimize_on_regression</c>: the members of an optimization request the suite chooses; the rest comes
/// from the suite (when it is saved) or from the run (when it regressed). Checked by the optimization request reader
/// itself, so a suite accepts exactly what <c>POST /api/optimizations</c> would.
/// </summary>
public sealed class SuiteOptimizationOption(OptimizationRequestReader reader)
{
    public const string Path = "$.optimize_on_regression";

    public static readonly string[] Members = ["optimizer", "model", "target_tag", "budget", "candidates_per_round", "validation", "guard"];

    /// <summary>Request members a suite run supplies; naming them in the option is refused rather than ignored.</summary>
    private static readonly string[] FromTheRun = ["prompt", "dataset", "evaluators", "feedback"];

    /// <summary>The option's shape (an object of known members); null with faults otherwise.</summary>
    public static JsonObject? ReadShape(JsonNode node, ValidatingJsonReader cursor)
    {
        if (cursor.Object(node, Path) is not { } option) return null;
        var before = cursor.Faults.Count;
        cursor.Closed(option, Path, [.. Members, .. FromTheRun]);
        foreach (var member in FromTheRun.Where(option.ContainsKey))
        {
            cursor.Fault(ValidatingJsonReader.Member(Path, member), member == "feedback"
                ? "notes by example id do not belong in a suite; the optimizer learns from the failures it evaluates"
                : $"comes from the suite run: the prompt version it tested, its dataset version and the suite's evaluators");
        }
        return cursor.Faults.Count > before ? null : (JsonObject)option.DeepClone();
    }

    /// <summary>
    /// Checks the request the option would make for <paramref name="suite"/> as it stands now (its tag's version, its
    /// dataset), reporting each fault under <see cref="Path"/>. Only the option itself is stored.
    /// </summary>
    public async Task<bool> CheckAsync(SuiteDefinition suite, JsonObject option, ValidatingJsonReader cursor, CancellationToken cancellationToken)
    {
        var inner = new ValidatingJsonReader();
        await reader.ReadAsync(Request(suite, option, run: null), inner, cancellationToken);
        foreach (var fault in inner.Faults) cursor.Fault(MapPath(fault.Path, option, out var from), from is null ? fault.Message : $"{from}: {fault.Message}");
        return inner.Faults.Count == 0;
    }

    /// <summary>
    /// The optimization request: the prompt and dataset versions the run used (the suite's tag and dataset before
    /// any run), the suite's evaluators, the run's baseline as the task model unless the option names one, and the
    /// option's members.
    /// </summary>
    public static JsonObject Request(SuiteDefinition suite, JsonObject option, SuiteRunRecord? run)
    {
        var prompt = new JsonObject { ["name"] = suite.Prompt.Name };
        if (run?.PromptVersionId is { } version) prompt["version"] = version;
        else prompt["tag"] = suite.Prompt.Tag ?? SuiteDefinitions.DefaultPromptTag;
        var dataset = new JsonObject { ["name"] = suite.Dataset.Name };
        if ((run?.DatasetVersionId ?? suite.Dataset.Version) is { } datasetVersion) dataset["version"] = datasetVersion;
        var request = new JsonObject { ["prompt"] = prompt, ["dataset"] = dataset, ["evaluators"] = suite.Evaluators.DeepClone() };
        if (run?.Baseline is { } ran)
            request["model"] = new JsonObject { ["connection"] = ran.Connection, ["model"] = ran.Model, ["invocation_parameters"] = ran.InvocationParameters.DeepClone() };
        else if (suite.Baseline is { } baseline)
            request["model"] = ModelNode(baseline);
        foreach (var (name, value) in option) request[name] = value?.DeepClone();
        return request;
    }

    private static JsonObject ModelNode(SuiteModelReference model)
    {
        var node = new JsonObject();
        if (model.Connection is not null) node["connection"] = model.Connection;
        if (model.Model is not null) node["model"] = model.Model;
        if (model.InvocationParameters is not null) node["invocation_parameters"] = model.InvocationParameters.DeepClone();
        return node;
    }

    /// <summary>
    /// A fault of the request under the option's path when it concerns one of the option's members (the task model
    /// only when the option names one), else at the option with the suite member it came from named.
    /// </summary>
    private static string MapPath(string path, JsonObject option, out string? from)
    {
        from = null;
        if (!path.StartsWith("$.", StringComparison.Ordinal)) return Path;
        var rest = path[2..];
        var end = rest.IndexOfAny(['.', '[']);
        var member = end < 0 ? rest : rest[..end];
        if (Members.Contains(member, StringComparer.Ordinal) && (member != "model" || option.ContainsKey(member))) return Path + path[1..];
        from = member == "model" ? "the suite's baseline (the task model)" : $"the suite's {member}";
        return Path;
    }
}

/// <summary>Raised when a run leaves an optimization start pending, so an in-process starter (the local host's) makes it at once.</summary>
public sealed class SuiteOptimizationSignal : CoalescingSignal;

/// <summary>
/// Starts the optimizations that regressed suite runs asked for.
/// </summary>
/// <remarks>
/// Why not from the run's orchestration: starting needs a <see cref="DurableTaskClient"/>, which activities do not
/// have in the Functions app (only trigger bindings do), and an orchestration cannot make a non-deterministic,
/// storage-reading start itself. So the run's completing activity records the start as owed, durably and in the same
/// step that stores the verdict (a pending row, then the run's <c>optimization: pending</c>), and a pass with a client
/// makes it: the Functions app's <c>SuiteScheduleTick</c> timer (every minute) and the local host's
/// <c>SuiteOptimizationStartService</c> (at once when signalled, else every
/// <see cref="SuitesOptions.OptimizationStartIntervalSeconds"/>). A crash anywhere leaves the pending row, so the next
/// pass starts it; the idempotency key <c>suite-run:{run id}</c> gives the optimization an id derived from the run, so
/// repeated or concurrent passes start it once (<see cref="IOptimizationStarter"/> answers <c>AlreadyStarted</c>).
/// Not through the <c>regression.detected</c> webhook event either: that outbox drops oversized events and runs only
/// where a subscriber exists, and starting must not depend on either.
/// </remarks>
public sealed partial class SuiteOptimizationLauncher(SuiteStore store, IOptimizationStarter starter, ILogger<SuiteOptimizationLauncher> logger)
{
    private const int BatchSize = 100;

    public static string IdempotencyKey(string runId) => $"suite-run:{runId}";

    public static string Actor(string suite) => $"suite:{suite}";

    /// <summary>One pass over the pending starts; returns the optimization ids this pass started or found started.</summary>
    public async Task<IReadOnlyList<string>> StartPendingAsync(DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var handled = new List<string>();
        foreach (var runId in await store.ListPendingOptimizationsAsync(BatchSize, cancellationToken))
        {
            try
            {
                if (await StartAsync(runId, durable, cancellationToken) is { } id) handled.Add(id);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The pending row stays: the next pass tries again; other runs go on.
                LogStartFailed(logger, e, runId);
            }
        }
        return handled;
    }

    private async Task<string?> StartAsync(string runId, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var run = await store.GetRunAsync(runId, cancellationToken);
        // Noted just before the run turns completed: while it is not final, its completion is still under way.
        if (run is not null && !SuiteRunStatus.IsFinal(run.Status)) return null;
        if (run is not { Optimization.Status: SuiteRunOptimizationStatus.Pending } || run.Definition.OptimizeOnRegression is not { } option)
        {
            await store.RemovePendingOptimizationAsync(runId, cancellationToken);
            return null;
        }

        var request = SuiteOptimizationOption.Request(run.Definition, option, run);
        SuiteRunOptimization outcome;
        switch (await starter.StartAsync(request, IdempotencyKey(run.Id), Actor(run.Suite), durable, cancellationToken))
        {
            case OptimizationStart.Started started:
                outcome = new SuiteRunOptimization(SuiteRunOptimizationStatus.Started, started.Record.Id);
                LogStarted(logger, started.Record.Id, run.Suite, run.Id);
                break;
            case OptimizationStart.AlreadyStarted existing:
                outcome = new SuiteRunOptimization(SuiteRunOptimizationStatus.Started, existing.Record.Id);
                break;
            case OptimizationStart.Invalid invalid:
                outcome = new SuiteRunOptimization(SuiteRunOptimizationStatus.Invalid,
                    Error: string.Join("; ", invalid.Faults.Select(f => $"{f.Path}: {f.Message}")));
                LogRefused(logger, run.Suite, run.Id, outcome.Error!);
                break;
            default:
                return null;
        }
        var recorded = await store.TransitionRunAsync(run.Id, [SuiteRunStatus.Completed], r => r with { Optimization = outcome }, cancellationToken);
        if (recorded is SuiteRunTransition.Busy) return null;
        await store.RemovePendingOptimizationAsync(run.Id, cancellationToken);
        return outcome.Id;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started optimization {Optimization} for suite {Suite}, regressed run {Run}")]
    private static partial void LogStarted(ILogger logger, string optimization, string suite, string run);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Suite {Suite} run {Run}: the optimization was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string suite, string run, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Optimization start for suite run {Run} failed; the next pass retries")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string run);
}
