using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Contracts.Suites;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Http;
using PromptFunctions.Evaluation.Statistics;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Suites;

/// <summary>
/// The suite routes (<see cref="SuiteRoutes"/>). Writes honour <c>If-Match</c> with the suite's entity tag (and
/// <c>If-None-Match: *</c> for create-only); starting a run takes the host's <see cref="DurableTaskClient"/>.
/// </summary>
public sealed class SuitesApi(
    ApiExecutor executor,
    SuiteStore store,
    SuiteRequestReader reader,
    SuiteRunLauncher launcher,
    ExperimentStore experiments,
    IOptions<SuitesOptions> options,
    TimeProvider clock)
{
    private const string SuiteCacheControl = "private, no-cache";

    public Task<IResult> Put(HttpRequest request, string name) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var suite = SuiteName(name);
        var precondition = Precondition(call);
        var body = await call.ReadObjectAsync(SuiteRequestReader.Members);
        var cursor = new ValidatingJsonReader();
        var definition = await reader.ReadAsync(body, cursor, call.Aborted);
        if (cursor.Faults.Count > 0 || definition is null) throw ProblemException.Invalid(cursor.Faults);

        var now = clock.GetUtcNow();
        var (saved, status) = await store.PutAsync(suite, definition, call.Principal.Name, precondition, now, call.Aborted) switch
        {
            PutSuiteOutcome.Created c => (c.Suite, 201),
            PutSuiteOutcome.Replaced r => (r.Suite, 200),
            PutSuiteOutcome.PreconditionFailed p => throw ProblemException.PreconditionFailed(
                p.CurrentETag is null ? $"Suite '{suite}' does not exist, so the If-Match condition does not hold." : $"Suite '{suite}' is at {p.CurrentETag}, which does not match the request's condition.",
                new System.Text.Json.Nodes.JsonObject { ["current_etag"] = p.CurrentETag }),
            _ => throw ProblemException.Busy($"Suite '{suite}'"),
        };
        return new JsonBytesResult(status, ContractsJson.Serialize(SuiteReports.Suite(saved, now)))
        {
            ETag = JsonResponses.Quote(saved.ETag),
            Location = "/" + ApiRoutes.Expand(SuiteRoutes.Suite, suite),
        };
    });

    public Task<IResult> Get(HttpRequest request, string name) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var suite = await RequireAsync(name, call);
        return HttpReplies.ConditionalGet(call.Request, suite.ETag, ContractsJson.Serialize(SuiteReports.Suite(suite, clock.GetUtcNow())), SuiteCacheControl);
    });

    public Task<IResult> List(HttpRequest request) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !Identifiers.IsPromptName(after)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");
        var page = await store.ListAsync(call.Limit(), after, call.Aborted);
        var now = clock.GetUtcNow();
        return JsonResponses.Contract(new Page<SuiteResponse>(page.Items.Select(s => SuiteReports.Suite(s, now)).ToList(), Cursors.Encode(page.NextCursor)));
    });

    public Task<IResult> Delete(HttpRequest request, string name) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var suite = SuiteName(name);
        var precondition = Precondition(call);
        return await store.DeleteAsync(suite, precondition, call.Aborted) switch
        {
            DeleteSuiteOutcome.Deleted => new EmptyResult(204),
            DeleteSuiteOutcome.NotFound => throw ProblemException.NotFound($"Suite '{suite}' does not exist."),
            DeleteSuiteOutcome.PreconditionFailed p => throw ProblemException.PreconditionFailed(
                $"Suite '{suite}' is at {p.CurrentETag}, which does not match If-Match.", new System.Text.Json.Nodes.JsonObject { ["current_etag"] = p.CurrentETag }),
            _ => throw ProblemException.Busy($"Suite '{suite}'"),
        };
    });

    /// <summary>Starts a run now; the body, if any, must be an empty object.</summary>
    public Task<IResult> StartRun(HttpRequest request, string name, DurableTaskClient durable) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var body = await call.ReadJsonAsync(required: false);
        if (body is not null) ApiCall.ExpectObject(body);
        var suite = await RequireAsync(name, call);
        var runId = Guid.CreateVersion7(clock.GetUtcNow()).ToString("N");
        var (run, _) = await launcher.StartAsync(runId, suite, SuiteRunTriggers.Manual, null, call.Principal.Name, durable, call.Aborted);
        var location = "/" + ApiRoutes.Expand(SuiteRoutes.Run, run.Id);
        return new JsonBytesResult(202, ContractsJson.Serialize(SuiteReports.Run(run))) { Location = location };
    });

    public Task<IResult> ListRuns(HttpRequest request, string name) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var suite = await RequireAsync(name, call);
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !after.StartsWith("run|", StringComparison.Ordinal)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");
        var page = await store.ListRunsAsync(suite.Name, call.Limit(), after, call.Aborted);
        return JsonResponses.Contract(new Page<SuiteRunResponse>(page.Items.Select(SuiteReports.Run).ToList(), Cursors.Encode(page.NextCursor)));
    });

    public Task<IResult> GetRun(HttpRequest request, string id) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        if (!SuiteStore.IsRunId(id)) throw ProblemException.BadRequest($"'{ApiCall.Printable(id)}' is not a suite run id (32 lowercase hex characters).");
        var run = await store.GetRunAsync(id, call.Aborted) ?? throw ProblemException.NotFound($"Suite run {id} does not exist.");
        return JsonResponses.Contract(SuiteReports.Run(run));
    });

    /// <summary>
    /// Suite verdicts for experiments that already ran on the same dataset version: <c>baseline</c> (one experiment
    /// id), <c>candidate</c> (one or more), <c>margin</c> (default 0.02). What <c>pf gate</c> asks.
    /// </summary>
    public Task<IResult> Verdicts(HttpRequest request) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var baselineId = call.Query("baseline") ?? throw ProblemException.BadRequest("Give 'baseline': an experiment id.");
        var candidateIds = call.Request.Query["candidate"].Where(c => !string.IsNullOrEmpty(c)).Select(c => c!).ToList();
        if (candidateIds.Count == 0) throw ProblemException.BadRequest("Give 'candidate': one or more experiment ids.");
        if (candidateIds.Count > options.Value.MaxCandidates) throw ProblemException.BadRequest($"Give at most {options.Value.MaxCandidates} candidates.");
        var marginText = call.Query("margin");
        var margin = SuiteDefinitions.DefaultMargin;
        if (marginText is not null && (!double.TryParse(marginText, NumberStyles.Float, CultureInfo.InvariantCulture, out margin) || !(margin >= 0 && margin <= 1)))
            throw ProblemException.BadRequest($"'margin' must be a number from 0 to 1, got '{ApiCall.Printable(marginText)}'.");

        var records = new List<ExperimentRecord>();
        foreach (var id in candidateIds.Prepend(baselineId))
        {
            if (!ExperimentStore.IsExperimentId(id)) throw ProblemException.BadRequest($"'{ApiCall.Printable(id)}' is not an experiment id (32 lowercase hex characters).");
            var record = await experiments.GetAsync(id, call.Aborted) ?? throw ProblemException.NotFound($"Experiment {id} does not exist.");
            if (record.Status != ExperimentStatus.Completed) throw ProblemException.Conflict($"Experiment {record.Id} is {record.Status}; verdicts need completed experiments.");
            records.Add(record);
        }
        var baseline = records[0];
        foreach (var other in records.Skip(1))
        {
            if (other.DatasetName != baseline.DatasetName || other.DatasetVersionId != baseline.DatasetVersionId || other.Split != baseline.Split)
                throw ProblemException.Conflict($"Experiment {other.Id} ran on {other.DatasetName} {other.DatasetVersionId}, the baseline on {baseline.DatasetName} {baseline.DatasetVersionId}; only experiments on the same dataset version compare.");
        }
        var rows = await Task.WhenAll(records.Select(async r =>
        {
            var list = new List<ExperimentRow>((int)Math.Min(r.Units, 1_000_000));
            await foreach (var row in experiments.ReadRowsAsync(r.Id, call.Aborted)) list.Add(ExperimentAggregation.ToStatisticsRow(row));
            return (IReadOnlyList<ExperimentRow>)list;
        }));
        var verdicts = SuiteVerdicts.Decide(rows[0], rows.Skip(1).ToList(), new SuiteVerdictOptions { Margin = margin, Seed = 0, Resamples = options.Value.Resamples });
        var models = records.Skip(1).Select(r => new SuiteRunModel(r.Connection, r.Model, System.Text.Json.Nodes.JsonNode.Parse(r.InvocationParametersJson)!.AsObject(), r.Id)).ToList();
        return JsonResponses.Contract(new GateVerdictResponse(SuiteReports.Name(verdicts.Verdict), margin, baseline.Id, SuiteReports.Candidates(verdicts, models)));
    });

    private async Task<SuiteRecord> RequireAsync(string name, ApiCall call)
    {
        var suite = SuiteName(name);
        return await store.GetAsync(suite, call.Aborted) ?? throw ProblemException.NotFound($"Suite '{suite}' does not exist.");
    }

    private static string SuiteName(string? name)
    {
        if (!Identifiers.IsPromptName(name))
            throw ProblemException.BadRequest($"'{ApiCall.Printable(name)}' is not a valid suite name: a suite name follows the prompt name rule: {Identifiers.PromptNameRule}.");
        return name!;
    }

    private static SuitePrecondition Precondition(ApiCall call)
    {
        var ifNoneMatch = call.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0)
        {
            ApiCall.EntityTags(ifNoneMatch, "If-None-Match", out var any);
            if (!any) throw ProblemException.BadRequest("On a suite write, 'If-None-Match' may only be '*' (create only).");
            return SuitePrecondition.Absent;
        }
        var tags = ApiCall.EntityTags(call.Request.Headers.IfMatch.ToString(), "If-Match", out var anyMatch);
        if (tags is null) return SuitePrecondition.None;
        if (anyMatch) return SuitePrecondition.Exists;
        // If-Match uses strong comparison: a weak tag never matches, so it can only fail.
        return SuitePrecondition.Matches(tags.Where(t => !t.StartsWith("W/", StringComparison.Ordinal)).DefaultIfEmpty("(weak)").ToArray());
    }
}
