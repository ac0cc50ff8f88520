using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Diffing;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Core.Http;

/// <summary>The native prompt API. Each public method is the whole behaviour of one route, shared by both hosts.</summary>
public sealed class PromptsApi(ApiExecutor executor, PromptCatalog catalog, StorageClients storage, PromptPublisher publisher)
{
    private const string ImmutableCacheControl = "public, max-age=31536000, immutable";
    // Responses differ by key only in whether they are allowed at all; Vary keeps a shared cache from serving
    // one key's response to a request without that key.
    private const string VaryByKey = "Authorization, x-api-key";

    private PromptStore Store => catalog.Store;
    private PromptCatalog Catalog => catalog;

    public async Task<IResult> Health(HttpRequest request)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await storage.EnsureCreatedAsync().WaitAsync(timeout.Token);
            await storage.ProbeAsync(timeout.Token);
            return JsonResponses.Json(new JsonObject { ["status"] = "healthy", ["storage"] = "reachable" });
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return JsonResponses.Json(new JsonObject { ["status"] = "unhealthy", ["storage"] = "unreachable" }, 503);
        }
    }

    public Task<IResult> ListPrompts(HttpRequest request) => executor.RunAsync(request, ApiRoles.Read, async call =>
    {
        var limit = call.Limit();
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !Identifiers.IsPromptName(after)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");
        var page = await Store.ListPromptsAsync(limit, after, call.Aborted);
        var data = new JsonArray(page.Items.Select(p => (JsonNode?)new JsonObject
        {
            ["name"] = p.Name,
            ["description"] = p.Description,
            ["version_count"] = p.VersionCount,
            ["latest_id"] = p.LatestId,
            ["created_at"] = Timestamp(p.CreatedAt),
            ["updated_at"] = Timestamp(p.UpdatedAt),
        }).ToArray());
        return JsonResponses.Json(new JsonObject { ["data"] = data, ["next_cursor"] = Cursors.Encode(page.NextCursor) });
    });

    public Task<IResult> GetPrompt(HttpRequest request, string name) => executor.RunAsync(request, ApiRoles.Read, async call =>
    {
        var prompt = await RequirePromptAsync(name, call);
        var tags = await Store.ListTagsAsync(prompt.Name, call.Aborted);
        var body = new JsonObject
        {
            ["name"] = prompt.Name,
            ["description"] = prompt.Description,
            ["metadata"] = prompt.MetadataJson is null ? null : JsonNode.Parse(prompt.MetadataJson),
            ["version_count"] = prompt.VersionCount,
            ["created_at"] = Timestamp(prompt.CreatedAt),
            ["updated_at"] = Timestamp(prompt.UpdatedAt),
            ["latest"] = prompt.Latest is null ? null : VersionDocument.Describe(prompt.Latest),
            ["tags"] = new JsonArray(tags.Select(t => (JsonNode?)TagJson(t)).ToArray()),
        };
        return JsonResponses.Json(body);
    });

    public Task<IResult> CreateVersion(HttpRequest request, string name) => executor.RunAsync(request, ApiRoles.Write, async call =>
    {
        var prompt = ApiCall.PromptName(name);
        var body = await call.ReadObjectAsync("version", "message", "parent", "tags");
        var cursor = new JsonCursor();
        var content = PromptVersionJson.Read(cursor.Required(body, "$", "version"), "$.version", cursor);
        var message = body["message"] is { } m ? cursor.String(m, "$.message", 2000) : null;
        var parentRef = body["parent"] is { } p ? cursor.String(p, "$.parent", 100) : null;
        var tags = new List<string>();
        if (body["tags"] is { } tagsNode && cursor.Array(tagsNode, "$.tags") is { } tagArray)
        {
            for (var i = 0; i < tagArray.Count; i++)
            {
                var tag = cursor.String(tagArray[i], JsonCursor.Index("$.tags", i));
                if (tag is null) continue;
                if (!Identifiers.IsTagName(tag)) cursor.Fault(JsonCursor.Index("$.tags", i), $"'{ApiCall.Printable(tag)}' is not a valid tag name: {Identifiers.TagNameRule}");
                else if (tags.Contains(tag)) cursor.Fault(JsonCursor.Index("$.tags", i), $"tag '{tag}' is listed twice");
                else tags.Add(tag);
            }
        }
        if (cursor.Faults.Count > 0 || content is null) throw ProblemException.Invalid(cursor.Faults);
        foreach (var tag in tags) call.RequireMayChangeTag(tag);

        string? parent = null;
        if (parentRef is not null)
        {
            if (!IsVersionReference(parentRef)) throw ProblemException.Invalid("$.parent", "must be a version id (64 hex characters) or v{sequence}");
            parent = (await catalog.ResolveVersionAsync(prompt, parentRef, call.Aborted))?.Id
                ?? throw ProblemException.Invalid("$.parent", $"prompt '{prompt}' has no version '{parentRef}'");
        }

        var published = await publisher.PublishAsync(prompt, content, new VersionCreation(call.Principal.Name, message, parent), tags, call.Principal, "$.parent", call.Aborted);
        var (record, created) = (published.Version, published.Created);
        var tagResults = new JsonArray(published.Tags.Select(t => (JsonNode?)new JsonObject { ["name"] = t.Tag, ["changed"] = t.Changed }).ToArray());

        var document = await catalog.GetDocumentAsync(record, call.Aborted) ?? throw new InvalidOperationException($"content of {record.Id} is missing");
        var response = JsonNode.Parse(document.ResponseBytes)!.AsObject();
        response["created"] = created;
        response["tags"] = tagResults;
        return new JsonBytesResult(created ? 201 : 200, JsonResponses.Serialize(response))
        {
            ETag = JsonResponses.Quote(record.Id),
            Location = $"/{ApiRoutes.Prefix}/prompts/{prompt}/versions/{record.Id}",
        };
    });

    public Task<IResult> ListVersions(HttpRequest request, string name) => executor.RunAsync(request, ApiRoles.Read, async call =>
    {
        var prompt = await RequirePromptAsync(name, call);
        var limit = call.Limit();
        var after = Cursors.DecodeNumber(call.Query("cursor"));
        var page = await Store.ListVersionsAsync(prompt.Name, limit, after, call.Aborted);
        var data = new JsonArray(page.Items.Select(v => (JsonNode?)VersionDocument.Describe(v)).ToArray());
        return JsonResponses.Json(new JsonObject { ["data"] = data, ["next_cursor"] = Cursors.Encode(page.NextCursor) });
    });

    public Task<IResult> GetVersion(HttpRequest request, string name, string id) => executor.RunAsync(request, ApiRoles.Read, (Api: this, Name: name, Id: id), static async (call, s) =>
    {
        var document = await s.Api.RequireVersionAsync(s.Name, s.Id, call);
        return VersionResponse(call, document, ImmutableCacheControl);
    });

    public Task<IResult> GetVersionVariables(HttpRequest request, string name, string id) => executor.RunAsync(request, ApiRoles.Read, async call =>
    {
        var document = await RequireVersionAsync(name, id, call);
        var placeholders = document.Content.Template is ChatTemplate chat
            ? chat.Messages.OfType<PlaceholderMessage>().Select(p => p.Name).Distinct().ToList()
            : [];
        var body = new JsonObject
        {
            ["id"] = document.Record.Id,
            ["sequence"] = document.Record.Sequence,
            ["template_format"] = PromptVersionJson.FormatName(document.Content.TemplateFormat),
            ["variables"] = Strings(PromptRenderer.GetVariables(document.Content)),
            ["placeholders"] = Strings(placeholders),
        };
        return new JsonBytesResult(200, JsonResponses.Serialize(body)) { ETag = JsonResponses.Quote(document.Record.Id), CacheControl = ImmutableCacheControl, Vary = VaryByKey };
    });

    public Task<IResult> GetLatest(HttpRequest request, string name) => executor.RunAsync(request, ApiRoles.Read, (Api: this, Name: name), static async (call, s) =>
    {
        var prompt = ApiCall.PromptName(s.Name);
        var record = await s.Api.Catalog.ResolveLatestAsync(prompt, call.Aborted)
            ?? throw ProblemException.NotFound($"Prompt '{prompt}' does not exist.");
        var document = await s.Api.Catalog.GetDocumentAsync(record, call.Aborted) ?? throw MissingContent(record);
        return VersionResponse(call, document, s.Api.MovableCacheControl());
    });

    // The fetch routes are the hot path: state goes to static lambdas instead of closures, so a cached fetch
    // allocates little beyond the response itself.
    public Task<IResult> GetTag(HttpRequest request, string name, string tag) => executor.RunAsync(request, ApiRoles.Read, (Api: this, Name: name, Tag: tag), static async (call, s) =>
    {
        var prompt = ApiCall.PromptName(s.Name);
        var tagName = ApiCall.TagName(s.Tag);
        var record = await s.Api.Catalog.ResolveTagAsync(prompt, tagName, call.Aborted)
            ?? throw ProblemException.NotFound(await s.Api.Store.GetPromptAsync(prompt, call.Aborted) is null
                ? $"Prompt '{prompt}' does not exist."
                : $"Prompt '{prompt}' has no tag '{tagName}'.");
        var document = await s.Api.Catalog.GetDocumentAsync(record, call.Aborted) ?? throw MissingContent(record);
        return VersionResponse(call, document, s.Api.MovableCacheControl());
    });

    public Task<IResult> ListTags(HttpRequest request, string name) => executor.RunAsync(request, ApiRoles.Read, async call =>
    {
        var prompt = await RequirePromptAsync(name, call);
        var tags = await Store.ListTagsAsync(prompt.Name, call.Aborted);
        return JsonResponses.Json(new JsonObject { ["data"] = new JsonArray(tags.Select(t => (JsonNode?)TagJson(t)).ToArray()) });
    });

    public Task<IResult> PutTag(HttpRequest request, string name, string tag) => executor.RunAsync(request, ApiRoles.Write, async call =>
    {
        var prompt = ApiCall.PromptName(name);
        var tagName = ApiCall.TagName(tag);
        var precondition = IfMatch(call);
        var body = await call.ReadObjectAsync("version", "reason");
        var cursor = new JsonCursor();
        var reference = cursor.String(cursor.Required(body, "$", "version"), "$.version", 100);
        var reason = body["reason"] is { } r ? cursor.String(r, "$.reason", 2000) : null;
        if (reference is not null && !IsVersionReference(reference)) cursor.Fault("$.version", "must be a version id (64 hex characters) or v{sequence}");
        if (cursor.Faults.Count > 0) throw ProblemException.Invalid(cursor.Faults);
        call.RequireMayChangeTag(tagName);
        await RequirePromptAsync(prompt, call);

        var target = await catalog.ResolveVersionAsync(prompt, reference!, call.Aborted)
            ?? throw ProblemException.Invalid("$.version", $"prompt '{prompt}' has no version '{reference}'");
        var outcome = await Store.MoveTagAsync(prompt, tagName, target.Id, precondition, call.Principal.Name, reason, call.Aborted);
        catalog.ForgetTag(prompt, tagName);
        return TagChangeResponse(prompt, tagName, outcome);
    });

    public Task<IResult> DeleteTag(HttpRequest request, string name, string tag) => executor.RunAsync(request, ApiRoles.Write, async call =>
    {
        var prompt = ApiCall.PromptName(name);
        var tagName = ApiCall.TagName(tag);
        var precondition = IfMatch(call);
        call.RequireMayChangeTag(tagName);
        await RequirePromptAsync(prompt, call);
        var reason = call.Query("reason");
        if (reason is { Length: > 2000 }) throw ProblemException.BadRequest("'reason' must be at most 2000 characters.");
        var outcome = await Store.DeleteTagAsync(prompt, tagName, precondition, call.Principal.Name, reason, call.Aborted);
        catalog.ForgetTag(prompt, tagName);
        return outcome is TagChangeOutcome.Changed ? new EmptyResult(204) : TagChangeResponse(prompt, tagName, outcome);
    });

    public Task<IResult> GetTagHistory(HttpRequest request, string name, string tag) => executor.RunAsync(request, ApiRoles.Read, async call =>
    {
        var prompt = await RequirePromptAsync(name, call);
        var tagName = ApiCall.TagName(tag);
        var limit = call.Limit();
        var before = Cursors.DecodeNumber(call.Query("cursor"));
        var page = await Store.GetTagHistoryAsync(prompt.Name, tagName, limit, before, call.Aborted);
        if (page.Items.Count == 0 && before is null && await Store.GetTagAsync(prompt.Name, tagName, call.Aborted) is null)
            throw ProblemException.NotFound($"Prompt '{prompt.Name}' has no tag '{tagName}'.");
        var data = new JsonArray(page.Items.Select(e => (JsonNode?)HistoryJson(e)).ToArray());
        return JsonResponses.Json(new JsonObject { ["data"] = data, ["next_cursor"] = Cursors.Encode(page.NextCursor) });
    });

    public Task<IResult> RollbackTag(HttpRequest request, string name, string tag) => executor.RunAsync(request, ApiRoles.Write, async call =>
    {
        var prompt = ApiCall.PromptName(name);
        var tagName = ApiCall.TagName(tag);
        var body = await call.ReadJsonAsync(required: false);
        string? reason = null;
        if (body is not null)
        {
            var obj = ApiCall.ExpectObject(body, "reason");
            var cursor = new JsonCursor();
            reason = obj["reason"] is { } r ? cursor.String(r, "$.reason", 2000) : null;
            if (cursor.Faults.Count > 0) throw ProblemException.Invalid(cursor.Faults);
        }
        call.RequireMayChangeTag(tagName);
        await RequirePromptAsync(prompt, call);
        var outcome = await Store.RollbackTagAsync(prompt, tagName, call.Principal.Name, reason, call.Aborted);
        catalog.ForgetTag(prompt, tagName);
        return TagChangeResponse(prompt, tagName, outcome);
    });

    public Task<IResult> Render(HttpRequest request, string name) => executor.RunAsync(request, ApiRoles.Read, async call =>
    {
        var prompt = ApiCall.PromptName(name);
        var body = await call.ReadObjectAsync("tag", "version", "variables", "strict");
        var cursor = new JsonCursor();
        var tag = body["tag"] is { } t ? cursor.String(t, "$.tag") : null;
        var version = body["version"] is { } v ? cursor.String(v, "$.version") : null;
        var variables = body["variables"] is { } vars ? cursor.Object(vars, "$.variables") : new JsonObject();
        var strict = body["strict"] is { } s ? cursor.Boolean(s, "$.strict") : true;
        if (tag is not null && version is not null) cursor.Fault("$", "give either 'tag' or 'version', not both");
        if (tag is not null && !Identifiers.IsTagName(tag)) cursor.Fault("$.tag", Identifiers.TagNameRule);
        if (version is not null && !IsVersionReference(version)) cursor.Fault("$.version", "must be a version id (64 hex characters) or v{sequence}");
        if (cursor.Faults.Count > 0) throw ProblemException.Invalid(cursor.Faults);

        VersionRecord? record;
        if (tag is not null)
            record = await catalog.ResolveTagAsync(prompt, tag, call.Aborted) ?? throw ProblemException.NotFound($"Prompt '{prompt}' has no tag '{tag}'.");
        else if (version is not null)
            record = await catalog.ResolveVersionAsync(prompt, version, call.Aborted) ?? throw ProblemException.NotFound($"Prompt '{prompt}' has no version '{version}'.");
        else
            record = await catalog.ResolveLatestAsync(prompt, call.Aborted) ?? throw ProblemException.NotFound($"Prompt '{prompt}' does not exist.");
        var document = await catalog.GetDocumentAsync(record, call.Aborted) ?? throw MissingContent(record);

        RenderedPrompt rendered;
        try
        {
            rendered = PromptRenderer.Render(document.Content, variables!);
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
                rendered.MissingVariables.Select(m => new ValidationFault(JsonCursor.Member("$.variables", m), "is missing")).ToList(),
                new JsonObject { ["missing_variables"] = Strings(rendered.MissingVariables) });
        }

        var result = new JsonObject
        {
            ["prompt"] = prompt,
            ["id"] = record.Id,
            ["sequence"] = record.Sequence,
            ["template_format"] = PromptVersionJson.FormatName(document.Content.TemplateFormat),
        };
        if (rendered.Messages is not null)
        {
            result["messages"] = new JsonArray(rendered.Messages.Select(m => (JsonNode?)new JsonObject
            {
                ["role"] = PromptVersionJson.RoleName(m.Role),
                ["content"] = PromptVersionJson.ContentToJson(m.Content),
            }).ToArray());
        }
        else
        {
            result["text"] = rendered.Text;
        }
        foreach (var field in new[] { "model", "invocation_parameters", "tools", "response_format" })
        {
            if (document.ContentJson[field] is { } value) result[field] = value.DeepClone();
        }
        result["missing_variables"] = Strings(rendered.MissingVariables);
        return JsonResponses.Json(result);
    });

    public Task<IResult> Diff(HttpRequest request, string name) => executor.RunAsync(request, ApiRoles.Read, async call =>
    {
        var prompt = await RequirePromptAsync(name, call);
        var fromRef = call.Query("from") ?? throw ProblemException.BadRequest("Give 'from': a version id, v{sequence}, 'latest' or tag:{name}.");
        var toRef = call.Query("to") ?? throw ProblemException.BadRequest("Give 'to': a version id, v{sequence}, 'latest' or tag:{name}.");
        var from = await ResolveReferenceAsync(prompt.Name, fromRef, "from", call);
        var to = await ResolveReferenceAsync(prompt.Name, toRef, "to", call);
        var diff = PromptDiff.Compare(from.Content, to.Content);
        var body = new JsonObject
        {
            ["prompt"] = prompt.Name,
            ["from"] = VersionDocument.Describe(from.Record),
            ["to"] = VersionDocument.Describe(to.Record),
        };
        foreach (var (key, value) in diff) body[key] = value?.DeepClone();
        return JsonResponses.Json(body);
    });

    public Task<IResult> Drift(HttpRequest request) => executor.RunAsync(request, ApiRoles.Read, async call =>
    {
        var namesText = call.Query("names") ?? "development,staging,production";
        var names = namesText.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length > 20) throw ProblemException.BadRequest("'names' lists at most 20 tags.");
        foreach (var tagName in names) ApiCall.TagName(tagName);
        if (names.Distinct().Count() != names.Length) throw ProblemException.BadRequest("'names' lists a tag twice.");
        var limit = call.Limit();
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !Identifiers.IsPromptName(after)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");

        var page = await Store.ListPromptsAsync(limit, after, call.Aborted);
        var tagsByPrompt = await Task.WhenAll(page.Items.Select(p => Store.ListTagsAsync(p.Name, call.Aborted)));
        var data = new JsonArray();
        for (var i = 0; i < page.Items.Count; i++)
        {
            var byName = tagsByPrompt[i].ToDictionary(t => t.Name, StringComparer.Ordinal);
            var tags = new JsonObject();
            var targets = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tagName in names)
            {
                if (byName.TryGetValue(tagName, out var tag))
                {
                    tags[tagName] = new JsonObject { ["id"] = tag.Target.Id, ["sequence"] = tag.Target.Sequence, ["updated_at"] = Timestamp(tag.UpdatedAt) };
                    targets.Add(tag.Target.Id);
                }
                else
                {
                    tags[tagName] = null;
                    targets.Add("");
                }
            }
            data.Add(new JsonObject { ["prompt"] = page.Items[i].Name, ["tags"] = tags, ["differ"] = targets.Count > 1 });
        }
        return JsonResponses.Json(new JsonObject { ["tags"] = Strings(names), ["data"] = data, ["next_cursor"] = Cursors.Encode(page.NextCursor) });
    });

    private static IResult VersionResponse(ApiCall call, VersionDocument document, string cacheControl)
    {
        var etag = document.ETag;
        var ifNoneMatch = call.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0)
        {
            var tags = ApiCall.EntityTags(ifNoneMatch, "If-None-Match", out var any);
            // If-None-Match uses weak comparison (RFC 9110 13.1.2), so W/"id" matches too.
            if (any || tags!.Any(t => (t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : t) == document.Record.Id))
                return new EmptyResult(304) { ETag = etag, CacheControl = cacheControl, Vary = VaryByKey };
        }
        return new JsonBytesResult(200, document.ResponseBytes) { ETag = etag, CacheControl = cacheControl, Vary = VaryByKey };
    }

    private string MovableCacheControl() => _movableCacheControl ??=
        string.Create(CultureInfo.InvariantCulture, $"public, max-age={executor.Options.TagResponseMaxAgeSeconds}, stale-while-revalidate={executor.Options.TagResponseStaleWhileRevalidateSeconds}");

    private string? _movableCacheControl;

    private static TagPrecondition IfMatch(ApiCall call)
    {
        var header = call.Request.Headers.IfMatch.ToString();
        var tags = ApiCall.EntityTags(header, "If-Match", out var any);
        if (tags is null) return TagPrecondition.None;
        if (any) return TagPrecondition.Exists;
        // If-Match uses strong comparison: a weak tag never matches, so it can only fail.
        return TagPrecondition.PointsAt(tags.Where(t => !t.StartsWith("W/", StringComparison.Ordinal)).DefaultIfEmpty("(weak)").ToArray());
    }

    private IResult TagChangeResponse(string prompt, string tag, TagChangeOutcome outcome) => outcome switch
    {
        TagChangeOutcome.Changed { Tag: { } moved } changed => new JsonBytesResult(
            changed.Entry.Action == TagActions.Create ? 201 : 200,
            JsonResponses.Serialize(WithHistory(TagJson(moved), changed.Entry)))
        {
            ETag = JsonResponses.Quote(moved.Target.Id),
            Location = $"/{ApiRoutes.Prefix}/prompts/{prompt}/tags/{tag}",
        },
        TagChangeOutcome.Changed => new EmptyResult(204),
        TagChangeOutcome.Unchanged u => new JsonBytesResult(200, JsonResponses.Serialize(WithHistory(TagJson(u.Tag), null))) { ETag = JsonResponses.Quote(u.Tag.Target.Id) },
        TagChangeOutcome.PreconditionFailed p => throw ProblemException.PreconditionFailed(
            p.CurrentVersion is null
                ? $"Tag '{tag}' does not exist, so the If-Match condition does not hold."
                : $"Tag '{tag}' points at {p.CurrentVersion}, which does not match If-Match.",
            new JsonObject { ["current_version"] = p.CurrentVersion }),
        TagChangeOutcome.TagNotFound => throw ProblemException.NotFound($"Prompt '{prompt}' has no tag '{tag}'."),
        TagChangeOutcome.VersionNotFound v => throw ProblemException.Invalid("$.version", $"prompt '{prompt}' has no version '{v.Version}'"),
        TagChangeOutcome.NothingToRollBack n => throw ProblemException.Conflict($"Cannot roll back: {n.Reason}."),
        _ => throw new InvalidOperationException(outcome.ToString()),
    };

    private static JsonObject WithHistory(JsonObject tag, TagHistoryEntry? entry)
    {
        tag["changed"] = entry is not null;
        if (entry is not null) tag["history_entry"] = HistoryJson(entry);
        return tag;
    }

    private static JsonObject TagJson(TagRecord tag) => new()
    {
        ["name"] = tag.Name,
        ["prompt"] = tag.Prompt,
        ["version"] = VersionDocument.Describe(tag.Target),
        ["updated_at"] = Timestamp(tag.UpdatedAt),
        ["updated_by"] = tag.UpdatedBy,
    };

    private static JsonObject HistoryJson(TagHistoryEntry e) => new()
    {
        ["number"] = e.Number,
        ["action"] = e.Action,
        ["from"] = e.FromVersion is null ? null : new JsonObject { ["id"] = e.FromVersion, ["sequence"] = e.FromSequence },
        ["to"] = e.ToVersion is null ? null : new JsonObject { ["id"] = e.ToVersion, ["sequence"] = e.ToSequence },
        ["actor"] = e.Actor,
        ["at"] = Timestamp(e.At),
        ["reason"] = e.Reason,
    };

    private async Task<PromptRecord> RequirePromptAsync(string name, ApiCall call)
    {
        var prompt = ApiCall.PromptName(name);
        return await Store.GetPromptAsync(prompt, call.Aborted) ?? throw ProblemException.NotFound($"Prompt '{prompt}' does not exist.");
    }

    private async Task<VersionDocument> RequireVersionAsync(string name, string id, ApiCall call)
    {
        var prompt = ApiCall.PromptName(name);
        if (!IsVersionReference(id)) throw ProblemException.BadRequest($"'{ApiCall.Printable(id)}' is not a version id (64 lowercase hex characters) or v{{sequence}}.");
        var record = await catalog.ResolveVersionAsync(prompt, id, call.Aborted)
            ?? throw ProblemException.NotFound(await Store.GetPromptAsync(prompt, call.Aborted) is null
                ? $"Prompt '{prompt}' does not exist."
                : $"Prompt '{prompt}' has no version '{id}'.");
        return await catalog.GetDocumentAsync(record, call.Aborted) ?? throw MissingContent(record);
    }

    private async Task<VersionDocument> ResolveReferenceAsync(string prompt, string reference, string parameter, ApiCall call)
    {
        VersionRecord? record;
        if (reference == "latest")
        {
            record = await catalog.ResolveLatestAsync(prompt, call.Aborted);
        }
        else if (reference.StartsWith("tag:", StringComparison.Ordinal))
        {
            var tag = reference[4..];
            if (!Identifiers.IsTagName(tag)) throw ProblemException.BadRequest($"'{parameter}': {Identifiers.TagNameRule}.");
            record = await catalog.ResolveTagAsync(prompt, tag, call.Aborted);
        }
        else if (IsVersionReference(reference))
        {
            record = await catalog.ResolveVersionAsync(prompt, reference, call.Aborted);
        }
        else
        {
            throw ProblemException.BadRequest($"'{parameter}' must be a version id, v{{sequence}}, 'latest' or tag:{{name}}; got '{ApiCall.Printable(reference)}'.");
        }
        if (record is null) throw ProblemException.NotFound($"Prompt '{prompt}' has no version '{ApiCall.Printable(reference)}' ({parameter}).");
        return await catalog.GetDocumentAsync(record, call.Aborted) ?? throw MissingContent(record);
    }

    public static bool IsVersionReference(string reference) =>
        Identifiers.IsVersionId(reference) ||
        (reference.Length is > 1 and <= 11 && reference[0] == 'v' && reference.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0 && reference[1] != '0');

    private static InvalidOperationException MissingContent(VersionRecord record) =>
        new($"Version {record.Id} of '{record.Prompt}' has a record but no content blob.");

    private static string Timestamp(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
