using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Prompts;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Diffing;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Core.Prompts;

/// <summary>
/// The native prompt routes (<see cref="PromptRoutes"/>): prompts, versions, rendering, diffs and drift. Each public
/// method is the whole behaviour of one route, shared by both hosts. Writes go through <see cref="PromptService"/>.
/// </summary>
public sealed class PromptsApi(ApiExecutor executor, PromptLookups lookups, PromptService prompts, IOptions<PromptHubOptions> options)
{
    private static readonly IApiDialect Dialect = NativeDialect.Instance;

    private PromptReader Reader => lookups.Reader;
    private PromptLookups Lookups => lookups;
    private PromptCatalog Catalog => lookups.Catalog;

    public Task<IResult> ListPrompts(HttpRequest request) => executor.RunAsync(request, Dialect, ApiRoles.Read, async call =>
    {
        var limit = call.Limit();
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !Identifiers.IsPromptName(after)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");
        var page = await Reader.ListPromptsAsync(limit, after, call.Aborted);
        return JsonResponses.Contract(new Page<PromptSummary>(page.Items.Select(PromptContractMapping.Summary).ToList(), Cursors.Encode(page.NextCursor)));
    });

    public Task<IResult> GetPrompt(HttpRequest request, string name) => executor.RunAsync(request, Dialect, ApiRoles.Read, async call =>
    {
        var prompt = await lookups.RequirePromptAsync(name, call);
        var tags = await Reader.ListTagsAsync(prompt.Name, call.Aborted);
        return JsonResponses.Contract(new PromptDetail(
            prompt.Name,
            prompt.Description,
            prompt.MetadataJson is null ? null : JsonNode.Parse(prompt.MetadataJson),
            prompt.VersionCount,
            prompt.CreatedAt,
            prompt.UpdatedAt,
            prompt.Latest is null ? null : PromptContractMapping.Info(prompt.Latest),
            tags.Select(PromptContractMapping.Tag).ToList()));
    });

    public Task<IResult> CreateVersion(HttpRequest request, string name) => executor.RunAsync(request, Dialect, ApiRoles.Write, async call =>
    {
        var prompt = ApiCall.PromptName(name);
        var body = await call.ReadObjectAsync("version", "message", "parent", "tags");
        var reader = new ValidatingJsonReader();
        var content = PromptVersionJson.Read(reader.Required(body, "$", "version"), "$.version", reader);
        var message = body["message"] is { } m ? reader.String(m, "$.message", 2000) : null;
        var parentRef = body["parent"] is { } p ? reader.String(p, "$.parent", 100) : null;
        var tags = new List<string>();
        if (body["tags"] is { } tagsNode && reader.Array(tagsNode, "$.tags") is { } tagArray)
        {
            for (var i = 0; i < tagArray.Count; i++)
            {
                var tag = reader.String(tagArray[i], ValidatingJsonReader.Index("$.tags", i));
                if (tag is null) continue;
                if (!Identifiers.IsTagName(tag)) reader.Fault(ValidatingJsonReader.Index("$.tags", i), $"'{ApiCall.Printable(tag)}' is not a valid tag name: {Identifiers.TagNameRule}");
                else if (tags.Contains(tag)) reader.Fault(ValidatingJsonReader.Index("$.tags", i), $"tag '{tag}' is listed twice");
                else tags.Add(tag);
            }
        }
        if (reader.Faults.Count > 0 || content is null) throw ProblemException.Invalid(reader.Faults);
        foreach (var tag in tags) prompts.RequireMayChangeTag(call.Principal, tag);

        string? parent = null;
        if (parentRef is not null)
        {
            if (!PromptLookups.IsVersionReference(parentRef)) throw ProblemException.Invalid("$.parent", "must be a version id (64 hex characters) or v{sequence}");
            parent = (await Catalog.ResolveVersionAsync(prompt, parentRef, call.Aborted))?.Id
                ?? throw ProblemException.Invalid("$.parent", $"prompt '{prompt}' has no version '{parentRef}'");
        }

        var outcome = await prompts.PublishAsync(new NewVersion(prompt, content, message, parent), tags, call.Principal, null, call.Aborted);
        var published = outcome switch
        {
            PublishOutcome.Published done => done,
            PublishOutcome.ParentNotFound missing => throw ProblemException.Invalid("$.parent", $"prompt '{prompt}' has no version '{missing.Parent}'"),
            _ => throw ProblemException.Busy($"Prompt '{prompt}'"),
        };
        var record = published.Version;
        var document = await lookups.RequireDocumentAsync(record, call.Aborted);
        var response = new CreatedVersionResponse(record.Id, record.Prompt, record.Sequence, record.CreatedAt, record.CreatedBy, record.Message, record.Parent,
            record.ExperimentId, published.Created, published.Tags.Select(t => new TagMoveResult(t.Tag, t.Changed)).ToList())
        {
            Optimization = PromptContractMapping.Lineage(record.Optimization),
            Content = ContractsJson.Members(document.ContentJson),
        };
        return HttpReplies.Created(published.Created, ContractsJson.Serialize(response), VersionDocument.EntityTagOf(record), "/" + ApiRoutes.Expand(PromptRoutes.Version, prompt, record.Id));
    });

    public Task<IResult> ListVersions(HttpRequest request, string name) => executor.RunAsync(request, Dialect, ApiRoles.Read, async call =>
    {
        var prompt = await lookups.RequirePromptAsync(name, call);
        var limit = call.Limit();
        var after = Cursors.DecodeNumber(call.Query("cursor"));
        var page = await Reader.ListVersionsAsync(prompt.Name, limit, after, call.Aborted);
        return JsonResponses.Contract(new Page<VersionInfo>(page.Items.Select(PromptContractMapping.Info).ToList(), Cursors.Encode(page.NextCursor)));
    });

    public Task<IResult> GetVersion(HttpRequest request, string name, string id) => executor.RunAsync(request, Dialect, ApiRoles.Read, (Api: this, Name: name, Id: id), static async (call, s) =>
    {
        var document = await s.Api.Lookups.RequireVersionAsync(s.Name, s.Id, call, fetchRoute: PromptRoutes.Version);
        return HttpReplies.ConditionalGet(call.Request, document.EntityTag, document.ResponseBytes, s.Api.Lookups.VersionCacheControl, document.ETag);
    });

    public Task<IResult> GetVersionVariables(HttpRequest request, string name, string id) => executor.RunAsync(request, Dialect, ApiRoles.Read, async call =>
    {
        var document = await lookups.RequireVersionAsync(name, id, call);
        var placeholders = document.Content.Template is ChatTemplate chat
            ? chat.Messages.OfType<PlaceholderMessage>().Select(p => p.Name).Distinct().ToList()
            : [];
        var body = new VersionVariables(document.Record.Id, document.Record.Sequence, PromptVersionJson.FormatName(document.Content.TemplateFormat),
            PromptRenderer.GetVariables(document.Content).ToList(), placeholders);
        return HttpReplies.ConditionalGet(call.Request, document.EntityTag, ContractsJson.Serialize(body), lookups.VersionCacheControl, document.ETag);
    });

    // The fetch routes are the hot path: state goes to static lambdas instead of closures, so a cached fetch
    // allocates little beyond the response itself.
    public Task<IResult> GetLatest(HttpRequest request, string name) => executor.RunAsync(request, Dialect, ApiRoles.Read, (Api: this, Name: name), static async (call, s) =>
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var prompt = ApiCall.PromptName(s.Name);
        var record = await s.Api.Catalog.ResolveLatestAsync(prompt, out var cached, call.Aborted)
            ?? throw ProblemException.NotFound($"Prompt '{prompt}' does not exist.");
        var document = await s.Api.Lookups.RequireDocumentAsync(record, call.Aborted);
        var reply = HttpReplies.ConditionalGet(call.Request, document.EntityTag, document.ResponseBytes, s.Api.Lookups.MovableCacheControl, document.ETag);
        s.Api.Lookups.Metrics.RecordFetch(PromptRoutes.Latest, cached, started);
        return reply;
    });

    public Task<IResult> Render(HttpRequest request, string name) => executor.RunAsync(request, Dialect, ApiRoles.Read, async call =>
    {
        var prompt = ApiCall.PromptName(name);
        var body = await call.ReadObjectAsync("tag", "version", "variables", "strict");
        var reader = new ValidatingJsonReader();
        var tag = body["tag"] is { } t ? reader.String(t, "$.tag") : null;
        var version = body["version"] is { } v ? reader.String(v, "$.version") : null;
        var variables = body["variables"] is { } vars ? reader.Object(vars, "$.variables") : new JsonObject();
        var strict = body["strict"] is { } s ? reader.Boolean(s, "$.strict") : true;
        if (tag is not null && version is not null) reader.Fault("$", "give either 'tag' or 'version', not both");
        if (tag is not null && !Identifiers.IsTagName(tag)) reader.Fault("$.tag", Identifiers.TagNameRule);
        if (version is not null && !PromptLookups.IsVersionReference(version)) reader.Fault("$.version", "must be a version id (64 hex characters) or v{sequence}");
        if (reader.Faults.Count > 0) throw ProblemException.Invalid(reader.Faults);

        VersionRecord? record;
        if (tag is not null)
            record = await Catalog.ResolveTagAsync(prompt, tag, call.Aborted) ?? throw ProblemException.NotFound($"Prompt '{prompt}' has no tag '{tag}'.");
        else if (version is not null)
            record = await Catalog.ResolveVersionAsync(prompt, version, call.Aborted) ?? throw ProblemException.NotFound($"Prompt '{prompt}' has no version '{version}'.");
        else
            record = await Catalog.ResolveLatestAsync(prompt, call.Aborted) ?? throw ProblemException.NotFound($"Prompt '{prompt}' does not exist.");
        var document = await lookups.RequireDocumentAsync(record, call.Aborted);

        RenderedPrompt rendered;
        try
        {
            rendered = PromptRenderer.Render(document.Content, variables!, options.Value.RenderLimits);
        }
        catch (RenderLimitException e)
        {
            throw RenderProblems.From(e);
        }
        catch (PromptValidationException e)
        {
            throw ProblemException.Invalid(e.Faults);
        }
        catch (TemplateSyntaxException e)
        {
            throw ProblemException.Invalid("$.variables", $"rendering failed: {e.Message}");
        }
        if (strict == true && rendered.MissingVariables.Count > 0)
        {
            throw new ProblemException(422, "Missing variables",
                $"The template uses variables that were not supplied: {string.Join(", ", rendered.MissingVariables)}. Supply them, or send \"strict\": false to render them empty.",
                rendered.MissingVariables.Select(m => new ValidationFault(ValidatingJsonReader.Member("$.variables", m), "is missing")).ToList(),
                new JsonObject { ["missing_variables"] = new JsonArray(rendered.MissingVariables.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()) });
        }

        return JsonResponses.Contract(new RenderResponse(
            prompt,
            record.Id,
            record.Sequence,
            PromptVersionJson.FormatName(document.Content.TemplateFormat),
            rendered.Messages?.Select(m => new RenderedChatMessage(PromptVersionJson.RoleName(m.Role), PromptVersionJson.ContentToJson(m.Content))).ToList(),
            rendered.Messages is null ? rendered.Text : null,
            document.ContentJson["model"]?.DeepClone(),
            document.ContentJson["invocation_parameters"]?.DeepClone(),
            document.ContentJson["tools"]?.DeepClone(),
            document.ContentJson["response_format"]?.DeepClone(),
            rendered.MissingVariables.ToList()));
    });

    public Task<IResult> Diff(HttpRequest request, string name) => executor.RunAsync(request, Dialect, ApiRoles.Read, async call =>
    {
        var prompt = await lookups.RequirePromptAsync(name, call);
        var fromRef = call.Query("from") ?? throw ProblemException.BadRequest("Give 'from': a version id, v{sequence}, 'latest' or tag:{name}.");
        var toRef = call.Query("to") ?? throw ProblemException.BadRequest("Give 'to': a version id, v{sequence}, 'latest' or tag:{name}.");
        var from = await ResolveReferenceAsync(prompt.Name, fromRef, "from", call);
        var to = await ResolveReferenceAsync(prompt.Name, toRef, "to", call);
        return JsonResponses.Contract(new DiffResponse(prompt.Name, PromptContractMapping.Info(from.Record), PromptContractMapping.Info(to.Record))
        {
            Difference = ContractsJson.Members(PromptDiff.Compare(from.Content, to.Content)),
        });
    });

    public Task<IResult> Drift(HttpRequest request) => executor.RunAsync(request, Dialect, ApiRoles.Read, async call =>
    {
        var namesText = call.Query("names") ?? "development,staging,production";
        var names = namesText.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length > 20) throw ProblemException.BadRequest("'names' lists at most 20 tags.");
        foreach (var tagName in names) ApiCall.TagName(tagName);
        if (names.Distinct().Count() != names.Length) throw ProblemException.BadRequest("'names' lists a tag twice.");
        var limit = call.Limit();
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !Identifiers.IsPromptName(after)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");

        var page = await Reader.ListPromptsAsync(limit, after, call.Aborted);
        var tagsByPrompt = await Task.WhenAll(page.Items.Select(p => Reader.ListTagsAsync(p.Name, call.Aborted)));
        var rows = new List<DriftRow>(page.Items.Count);
        for (var i = 0; i < page.Items.Count; i++)
        {
            var byName = tagsByPrompt[i].ToDictionary(t => t.Name, StringComparer.Ordinal);
            var targets = new Dictionary<string, DriftTarget?>(StringComparer.Ordinal);
            foreach (var tagName in names)
            {
                targets[tagName] = byName.TryGetValue(tagName, out var tag) ? new DriftTarget(tag.Target.Id, tag.Target.Sequence, tag.UpdatedAt) : null;
            }
            var differ = targets.Values.Select(t => t?.Id ?? "").Distinct(StringComparer.Ordinal).Count() > 1;
            rows.Add(new DriftRow(page.Items[i].Name, targets, differ));
        }
        return JsonResponses.Contract(new DriftResponse(names, rows, Cursors.Encode(page.NextCursor)));
    });

    private async Task<VersionDocument> ResolveReferenceAsync(string prompt, string reference, string parameter, ApiCall call)
    {
        VersionRecord? record;
        if (reference == "latest")
        {
            record = await Catalog.ResolveLatestAsync(prompt, call.Aborted);
        }
        else if (reference.StartsWith("tag:", StringComparison.Ordinal))
        {
            var tag = reference[4..];
            if (!Identifiers.IsTagName(tag)) throw ProblemException.BadRequest($"'{parameter}': {Identifiers.TagNameRule}.");
            record = await Catalog.ResolveTagAsync(prompt, tag, call.Aborted);
        }
        else if (PromptLookups.IsVersionReference(reference))
        {
            record = await Catalog.ResolveVersionAsync(prompt, reference, call.Aborted);
        }
        else
        {
            throw ProblemException.BadRequest($"'{parameter}' must be a version id, v{{sequence}}, 'latest' or tag:{{name}}; got '{ApiCall.Printable(reference)}'.");
        }
        if (record is null) throw ProblemException.NotFound($"Prompt '{prompt}' has no version '{ApiCall.Printable(reference)}' ({parameter}).");
        return await lookups.RequireDocumentAsync(record, call.Aborted);
    }
}
