using System.Text.Json;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Models;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Prompts;
using PromptFunctions.Contracts.Experiments;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Experiments;

/// <summary>
/// The experiment routes. Starting and cancelling take the host's <see cref="DurableTaskClient"/> as a parameter:
/// the Functions app gets it from its <c>[DurableClient]</c> binding, the local host from its engine.
/// </summary>
public sealed class ExperimentsApi(
    ApiExecutor executor,
    ExperimentStore store,
    ExperimentRequestReader reader,
    IExperimentExamples examples,
    PromptService prompts,
    PromptCatalog catalog,
    ExperimentEngine engine,
    IOptions<ExperimentsOptions> options,
    TimeProvider clock)
{
    public Task<IResult> Start(HttpRequest request, DurableTaskClient durable) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var body = await call.ReadObjectAsync("prompt", "dataset", "model", "evaluators", "repetitions", "max_concurrency", "cache", "name", "description", "metadata");
        var cursor = new ValidatingJsonReader();
        var prompt = await reader.ReadPromptAsync(cursor.Required(body, "$", "prompt"), "$.prompt", cursor, call.Aborted);
        var dataset = await ReadDatasetAsync(cursor.Required(body, "$", "dataset"), "$.dataset", cursor, call.Aborted);
        var model = prompt is null ? null : reader.ReadModel(body["model"], "$.model", prompt.Content, cursor);
        var evaluators = reader.ReadEvaluators(body["evaluators"], "$.evaluators", cursor);
        var repetitions = body["repetitions"] is { } r ? cursor.Integer(r, "$.repetitions", 1, options.Value.MaxRepetitions) : 1;
        var concurrency = body["max_concurrency"] is { } mc ? cursor.Integer(mc, "$.max_concurrency", 1, options.Value.MaxConcurrency) : 10;
        var cache = ExperimentRequestReader.ReadCacheMode(body["cache"], "$.cache", cursor);
        var name = body["name"] is { } n ? cursor.String(n, "$.name", 200) : null;
        var description = body["description"] is { } d ? cursor.String(d, "$.description", 2000) : null;
        var metadata = body["metadata"] is { } md ? cursor.Object(md, "$.metadata") : null;
        if (dataset is { Count: 0 }) cursor.Fault("$.dataset", $"dataset version {dataset.VersionId} has no examples{(dataset.Split is null ? "" : $" in split '{dataset.Split}'")}");
        if (cursor.Faults.Count > 0 || prompt is null || dataset is null || model is null || evaluators is null || repetitions is null || concurrency is null || cache is null)
            throw ProblemException.Invalid(cursor.Faults);

        var id = Guid.CreateVersion7(clock.GetUtcNow()).ToString("N");
        var record = new ExperimentRecord(id, name, description, metadata?.ToJsonString(), prompt.Name, prompt.VersionId, prompt.Version?.Sequence, prompt.DraftJson, prompt.DraftParent,
            dataset.Name, dataset.VersionId, dataset.Split, dataset.Count, (int)repetitions, model.Connection, model.Model, model.InvocationParameters.ToJsonString(),
            evaluators.ToJsonString(), cache.Value.ToString().ToLowerInvariant(), (int)concurrency, ExperimentStatus.Queued, clock.GetUtcNow(), call.Principal.Name,
            null, null, null, null, null) { PromptTag = prompt.Tag };
        await store.CreateAsync(record, call.Aborted);
        var plan = ExperimentPlan.For(id, record.Units, record.MaxConcurrency);
        engine.Prewarm(id);
        await durable.ScheduleNewOrchestrationInstanceAsync(nameof(RunExperimentOrchestrator), new ExperimentRunState(plan, 0, 0, 0),
            new StartOrchestrationOptions(InstanceId: id), call.Aborted);

        var location = "/" + ApiRoutes.Expand(ExperimentRoutes.Experiment, id);
        var response = Describe(record, 0, 0) with { StatusUrl = location };
        return new JsonBytesResult(202, ContractsJson.Serialize(response)) { Location = location };
    });

    private async Task<DatasetSelection?> ReadDatasetAsync(JsonNode? node, string path, ValidatingJsonReader cursor, CancellationToken cancellationToken)
    {
        if (node is null) return null;
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, "name", "version", "split");
        var name = cursor.String(cursor.Required(obj, path, "name"), ValidatingJsonReader.Member(path, "name"));
        var version = obj["version"] is { } v ? cursor.String(v, ValidatingJsonReader.Member(path, "version"), 100) : null;
        var split = obj["split"] is { } s ? cursor.String(s, ValidatingJsonReader.Member(path, "split"), 100) : null;
        if (name is null) return null;
        if (!Identifiers.IsPromptName(name))
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "name"), "a dataset name follows the prompt name rule: " + Identifiers.PromptNameRule);
            return null;
        }
        var selection = await examples.ResolveAsync(name, version, split, cancellationToken);
        if (selection is null)
            cursor.Fault(path, $"dataset '{name}'{(version is null ? "" : $" version '{version}'")}{(split is null ? "" : $" split '{split}'")} does not exist");
        return selection;
    }

    public Task<IResult> Get(HttpRequest request, string id) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var record = await RequireAsync(id, call);
        var (done, errors) = await store.ProgressAsync(record.Id, call.Aborted);
        return JsonResponses.Contract(Describe(record, done, errors));
    });

    public Task<IResult> List(HttpRequest request) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var prompt = call.Query("prompt");
        var dataset = call.Query("dataset");
        if (prompt is not null && !Identifiers.IsPromptName(prompt)) throw ProblemException.BadRequest($"'prompt': {Identifiers.PromptNameRule}.");
        if (dataset is not null && !Identifiers.IsPromptName(dataset)) throw ProblemException.BadRequest($"'dataset': {Identifiers.PromptNameRule}.");
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !after.Contains('|', StringComparison.Ordinal)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");
        var page = await store.ListAsync(prompt, dataset, call.Limit(), after, call.Aborted);
        return JsonResponses.Contract(new Contracts.Page<ExperimentInfo>(page.Items.Select(r => Describe(r, null, null)).ToList(), Cursors.Encode(page.NextCursor)));
    });

    public Task<IResult> Rows(HttpRequest request, string id) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var record = await RequireAsync(id, call);
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !after.StartsWith("r|", StringComparison.Ordinal)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");
        var page = await store.ListRowsAsync(record.Id, call.Limit(), after, call.Aborted);
        return JsonResponses.Contract(new Contracts.Page<ExperimentRowInfo>(page.Items.Select(Row).ToList(), Cursors.Encode(page.NextCursor)));
    });

    /// <summary>
    /// Compares two experiments run on the same dataset version, row by row (example id and repetition), with the
    /// evaluation library's seeded paired bootstrap and exact McNemar test; see docs/comparison.md.
    /// </summary>
    public Task<IResult> Compare(HttpRequest request) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var baselineId = call.Query("baseline") ?? throw ProblemException.BadRequest("Give 'baseline': an experiment id.");
        var candidateId = call.Query("candidate") ?? throw ProblemException.BadRequest("Give 'candidate': an experiment id.");
        var seedText = call.Query("seed");
        var seed = 0;
        if (seedText is not null && !int.TryParse(seedText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seed))
            throw ProblemException.BadRequest($"'seed' must be an integer, got '{ApiCall.Printable(seedText)}'.");
        var resamplesText = call.Query("resamples");
        var resamples = Evaluation.Statistics.ComparisonOptions.MinResamples;
        if (resamplesText is not null && (!int.TryParse(resamplesText, NumberStyles.None, CultureInfo.InvariantCulture, out resamples)
            || resamples < Evaluation.Statistics.ComparisonOptions.MinResamples || resamples > Evaluation.Statistics.ComparisonOptions.MaxResamples))
            throw ProblemException.BadRequest($"'resamples' must be an integer from {Evaluation.Statistics.ComparisonOptions.MinResamples} to {Evaluation.Statistics.ComparisonOptions.MaxResamples}.");
        var correctionText = call.Query("correction") ?? "none";
        if (correctionText is not ("none" or "bonferroni")) throw ProblemException.BadRequest("'correction' must be 'none' or 'bonferroni'.");

        var baseline = await RequireAsync(baselineId, call);
        var candidate = await RequireAsync(candidateId, call);
        if (baseline.DatasetName != candidate.DatasetName || baseline.DatasetVersionId != candidate.DatasetVersionId || baseline.Split != candidate.Split)
            throw ProblemException.Conflict(
                $"The experiments ran on different data: baseline on {baseline.DatasetName} {baseline.DatasetVersionId}{(baseline.Split is null ? "" : $" split {baseline.Split}")}, " +
                $"candidate on {candidate.DatasetName} {candidate.DatasetVersionId}{(candidate.Split is null ? "" : $" split {candidate.Split}")}; only experiments on the same dataset version compare.");
        foreach (var record in new[] { baseline, candidate })
        {
            if (record.Status != ExperimentStatus.Completed)
                throw ProblemException.Conflict($"Experiment {record.Id} is {record.Status}; compare completed experiments.");
        }

        var rows = await Task.WhenAll(new[] { baseline, candidate }.Select(async r =>
        {
            var list = new List<Evaluation.Statistics.ExperimentRow>((int)Math.Min(r.Units, 1_000_000));
            await foreach (var row in store.ReadRowsAsync(r.Id, call.Aborted)) list.Add(ExperimentAggregation.ToStatisticsRow(row));
            return list;
        }));
        Evaluation.Statistics.ExperimentComparison comparison;
        try
        {
            comparison = Evaluation.Statistics.ExperimentComparison.Compare(rows[0], rows[1], new Evaluation.Statistics.ComparisonOptions
            {
                Seed = seed,
                Resamples = resamples,
                Correction = correctionText == "bonferroni" ? Evaluation.Statistics.MultiplicityCorrection.Bonferroni : Evaluation.Statistics.MultiplicityCorrection.None,
            }, call.Aborted);
        }
        catch (Evaluation.Statistics.ComparisonTooLargeException e)
        {
            throw ProblemException.BadRequest($"'resamples' is too large for these experiments: {e.Message}.");
        }
        var body = System.Text.Json.JsonSerializer.SerializeToNode(comparison, ComparisonJson)!.AsObject();
        body["baseline_experiment"] = JsonSerializer.SerializeToNode(Describe(baseline, null, null), ContractsJson.Context.ExperimentInfo);
        body["candidate_experiment"] = JsonSerializer.SerializeToNode(Describe(candidate, null, null), ContractsJson.Context.ExperimentInfo);
        return JsonResponses.Json(body);
    });

    private static readonly System.Text.Json.JsonSerializerOptions ComparisonJson = new()
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public Task<IResult> Export(HttpRequest request, string id) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var record = await RequireAsync(id, call);
        var format = call.Query("format") ?? "jsonl";
        if (format is not ("jsonl" or "csv")) throw ProblemException.BadRequest($"'format' must be 'jsonl' or 'csv', got '{ApiCall.Printable(format)}'.");
        return (IResult)new ExperimentExport(record, store, examples, format);
    });

    public Task<IResult> Cancel(HttpRequest request, string id, DurableTaskClient durable) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var record = await RequireAsync(id, call);
        var cancelled = await store.TransitionAsync(record.Id, [ExperimentStatus.Queued, ExperimentStatus.Running],
            r => r with { Status = ExperimentStatus.Cancelled, CompletedAt = clock.GetUtcNow() }, call.Aborted) switch
        {
            ExperimentTransition.Changed changed => changed.Record,
            ExperimentTransition.WrongStatus wrong => throw ProblemException.Conflict($"Experiment {record.Id} is already {wrong.Status}; only queued or running experiments can be cancelled."),
            ExperimentTransition.NotFound => throw ProblemException.NotFound($"Experiment {record.Id} does not exist."),
            _ => throw ProblemException.Busy($"Experiment {record.Id}"),
        };
        try
        {
            await durable.TerminateInstanceAsync(record.Id, new TerminateInstanceOptions { Output = "cancelled" }, call.Aborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The orchestration may already have ended (or never started, if the host restarted); the stored status
            // above is what callers read, and running batches see it within a second.
        }
        var (done, errors) = await store.ProgressAsync(record.Id, call.Aborted);
        return JsonResponses.Contract(Describe(cancelled, done, errors));
    });

    /// <summary>
    /// Saves the experiment's prompt (with the model and parameters it ran with) as a version, recording the
    /// experiment and the parent version, and optionally moves a tag onto it.
    /// </summary>
    public Task<IResult> Promote(HttpRequest request, string id) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var record = await RequireAsync(id, call);
        var body = await call.ReadJsonAsync(required: false);
        var obj = body is null ? new JsonObject() : ApiCall.ExpectObject(body, "tag", "message");
        var cursor = new ValidatingJsonReader();
        var tag = obj["tag"] is { } t ? cursor.String(t, "$.tag") : null;
        var message = obj["message"] is { } m ? cursor.String(m, "$.message", 2000) : null;
        if (tag is not null && !Identifiers.IsTagName(tag)) cursor.Fault("$.tag", Identifiers.TagNameRule);
        if (cursor.Faults.Count > 0) throw ProblemException.Invalid(cursor.Faults);
        if (record.Status != ExperimentStatus.Completed)
            throw ProblemException.Conflict($"Experiment {record.Id} is {record.Status}; only a completed experiment can be promoted.");
        if (tag is not null) prompts.RequireMayChangeTag(call.Principal, tag);

        var content = await PromotedContentAsync(record, call.Aborted);
        var parent = record.DraftJson is null ? record.PromptVersionId : record.DraftParentId;
        var version = new NewVersion(record.PromptName, content, message ?? $"promoted from experiment {record.Id}", parent, record.Id);
        var published = await prompts.PublishAsync(version, tag is null ? [] : [tag], call.Principal, null, call.Aborted) switch
        {
            PublishOutcome.Published p => p,
            PublishOutcome.ParentNotFound p => throw ProblemException.Invalid("$", $"prompt '{record.PromptName}' has no version '{p.Parent}'"),
            _ => throw ProblemException.Busy($"Prompt '{record.PromptName}'"),
        };
        await store.TransitionAsync(record.Id, [ExperimentStatus.Completed], r => r with { PromotedVersionId = published.Version.Id }, call.Aborted);

        var saved = published.Version;
        var document = await catalog.GetDocumentAsync(saved, call.Aborted) ?? throw PromptLookups.MissingContent(saved);
        var response = new CreatedVersionResponse(saved.Id, saved.Prompt, saved.Sequence, saved.CreatedAt, saved.CreatedBy, saved.Message, saved.Parent, saved.ExperimentId,
            published.Created, published.Tags.Select(t => new TagMoveResult(t.Tag, t.Changed)).ToList())
        {
            Content = ContractsJson.Members(document.ContentJson),
        };
        return HttpReplies.Created(published.Created, ContractsJson.Serialize(response), VersionDocument.EntityTagOf(saved), "/" + ApiRoutes.Expand(PromptRoutes.Version, record.PromptName, saved.Id));
    });

    private async Task<PromptVersionContent> PromotedContentAsync(ExperimentRecord record, CancellationToken cancellationToken)
    {
        PromptVersionContent content;
        if (record.DraftJson is { } draft)
        {
            content = PromptVersionJson.Parse(JsonNode.Parse(draft));
        }
        else
        {
            var version = await catalog.ResolveVersionAsync(record.PromptName, record.PromptVersionId, cancellationToken)
                ?? throw ProblemException.Conflict($"The experiment's prompt version {record.PromptVersionId} no longer exists.");
            content = (await catalog.GetDocumentAsync(version, cancellationToken))!.Content;
        }
        // The winner is what ran: the model and parameters the experiment used, which may override the prompt's own.
        var provider = content.Model?.Provider ?? "openai";
        return content with
        {
            Model = new ModelReference(provider, record.Model),
            InvocationParameters = JsonNode.Parse(record.InvocationParametersJson)!.AsObject(),
        };
    }

    private async Task<ExperimentRecord> RequireAsync(string id, ApiCall call)
    {
        if (!ExperimentStore.IsExperimentId(id)) throw ProblemException.BadRequest($"'{ApiCall.Printable(id)}' is not an experiment id (32 lowercase hex characters).");
        return await store.GetAsync(id, call.Aborted) ?? throw ProblemException.NotFound($"Experiment {id} does not exist.");
    }

    public static ExperimentInfo Describe(ExperimentRecord r, long? done, long? errors) => new(
        r.Id,
        r.Name,
        r.Description,
        r.MetadataJson is null ? null : JsonNode.Parse(r.MetadataJson),
        r.Status,
        new ExperimentPrompt(r.PromptName, r.PromptVersionId, r.PromptSequence, r.PromptTag, r.DraftJson is null ? null : JsonNode.Parse(r.DraftJson), r.DraftParentId),
        new ExperimentDataset(r.DatasetName, r.DatasetVersionId, r.Split, r.RowCount),
        new ExperimentModel(r.Connection, r.Model, JsonNode.Parse(r.InvocationParametersJson)),
        JsonNode.Parse(r.EvaluatorsJson),
        r.Repetitions,
        r.MaxConcurrency,
        r.CacheMode,
        r.CreatedAt,
        r.CreatedBy,
        r.StartedAt,
        r.CompletedAt,
        r.Error,
        r.PromotedVersionId,
        done is null ? null : new ExperimentProgress(done.Value, r.Units, errors ?? 0),
        r.AggregatesJson is null ? null : JsonNode.Parse(r.AggregatesJson));

    public static ExperimentRowInfo Row(ExperimentRowResult r) =>
        new(r.ExampleId, r.Index, r.Repetition, r.Output, JsonNode.Parse(r.ScoresJson), Math.Round(r.LatencyMs, 3), r.InputTokens, r.OutputTokens, r.Cost, r.Error);

    /// <summary>A row as a JSON object, for exports that add the example's members to it.</summary>
    public static JsonObject RowJson(ExperimentRowResult r) => JsonSerializer.SerializeToNode(Row(r), ContractsJson.Context.ExperimentRowInfo)!.AsObject();
}
