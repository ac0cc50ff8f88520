using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Compatibility.Phoenix;

/// <summary>
/// The Arize Phoenix REST prompt API (<c>/v1/prompts</c>, <c>/v1/prompt_versions</c>) over the native stores.
/// Keys, roles and protected tags work as on the native API; shapes, status codes and error bodies are
/// Phoenix's. docs/phoenix.md lists how Phoenix concepts map onto ours.
/// </summary>
public sealed class PhoenixApi(ApiExecutor executor, PromptReader store, PromptCatalog catalog, PromptService prompts)
{
    private const int MaxPromptDescriptionLength = 10_000;
    private const int MaxTagDescriptionLength = 2_000;
    // Metadata lives in one table property, whose limit is 64 KiB of UTF-16.
    private const int MaxMetadataJsonLength = 30_000;

    private PromptReader Store => store;

    /// <summary><c>GET /arize_phoenix_version</c>: the client's fallback when it has not seen the version header yet.</summary>
    public Task<IResult> ServerVersion(HttpRequest request) =>
        Task.FromResult(PhoenixDialect.Instance.Complete(PhoenixDialect.Text(200, PhoenixDialect.ServerVersion)));

    public Task<IResult> ListPrompts(HttpRequest request) => RunAsync(request, ApiRoles.Read, async call =>
    {
        var limit = Limit(call);
        var cursor = Query(call, "cursor");
        string? after = null;
        if (cursor is not null)
        {
            var first = PhoenixIds.ParsePrompt(cursor) ?? throw PhoenixErrors.Invalid($"Invalid cursor format: {cursor}");
            after = JustBefore(first);
        }
        var page = await Store.ListPromptsAsync(limit + 1, after, call.Aborted);
        var shown = page.Items.Take(limit).ToList();
        // The index row has no metadata, and the prompt row is the truth anyway (the index may lag a deletion).
        var prompts = await Task.WhenAll(shown.Select(p => Store.GetPromptAsync(p.Name, call.Aborted)));
        var data = new JsonArray(prompts.OfType<PromptRecord>().Select(p => (JsonNode?)PromptJson(p)).ToArray());
        var next = page.Items.Count > limit ? PhoenixIds.Prompt(page.Items[limit].Name) : null;
        return JsonResponses.Json(new JsonObject { ["data"] = data, ["next_cursor"] = next });
    });

    public Task<IResult> CreatePrompt(HttpRequest request) => RunAsync(request, ApiRoles.Write, async call =>
    {
        var body = await ReadBodyAsync(call);
        var v = new PhoenixValidator();
        object[] root = ["body"];
        var rootObject = v.Model(body, root, "CreatePromptRequestBody");
        string? name = null, description = null, metadataJson = null;
        PhoenixVersionMapping.Input? version = null;
        if (rootObject is not null)
        {
            if (v.Required(rootObject, root, "prompt", out var promptNode) && v.Model(promptNode, ["body", "prompt"], "PromptData") is { } prompt)
                (name, description, metadataJson) = ReadPromptData(prompt, v);
            if (v.Required(rootObject, root, "version", out var versionNode))
                version = PhoenixVersionMapping.Read(versionNode, ["body", "version"], v);
        }
        if (v.Faults.Count > 0) throw new PhoenixValidationException(v.Faults);
        if (!version!.IsChat) throw PhoenixErrors.Invalid("Only CHAT template type is supported for prompts");
        var content = PhoenixVersionMapping.ToContent(version, ["body", "version"]);

        var outcome = await prompts.PublishAsync(new NewVersion(name!, content, PromptDescription: description, PromptMetadataJson: metadataJson), [], call.Principal, null, call.Aborted);
        // Versions are content-addressed: the same content again is the version that already has it.
        var record = outcome is PublishOutcome.Published published ? published.Version : throw ProblemException.Busy($"Prompt '{name}'");
        var document = await catalog.GetDocumentAsync(record, call.Aborted) ?? throw PromptLookups.MissingContent(record);
        return Envelope(PhoenixVersionMapping.ToPhoenixBytes(document));
    });

    public Task<IResult> PatchPrompt(HttpRequest request, string promptIdentifier) => RunAsync(request, ApiRoles.Write, async call =>
    {
        var name = PromptName(promptIdentifier);
        var body = await ReadBodyAsync(call);
        var v = new PhoenixValidator();
        object[] root = ["body"];
        var patch = v.Model(body, root, "PatchPromptRequestBody");
        string? description = null, metadataJson = null;
        var clearDescription = false;
        if (patch is not null)
        {
            if (patch.TryGetPropertyValue("description", out var descriptionNode))
            {
                if (descriptionNode is null) clearDescription = true;
                else description = v.String(descriptionNode, ["body", "description"], MaxPromptDescriptionLength);
            }
            if (patch.TryGetPropertyValue("metadata", out var metadataNode)) metadataJson = Metadata(v.Dict(metadataNode, ["body", "metadata"]), ["body", "metadata"], v);
            if (!patch.ContainsKey("description") && !patch.ContainsKey("metadata"))
                v.Fault(root, "value_error", "Value error, At least one of 'description' and 'metadata' must be given");
        }
        if (v.Faults.Count > 0) throw new PhoenixValidationException(v.Faults);

        var updated = await prompts.UpdatePromptAsync(name, new PromptUpdate(description, metadataJson, clearDescription), call.Principal, call.Aborted) switch
        {
            UpdatePromptOutcome.Updated u => u.Prompt,
            UpdatePromptOutcome.NotFound => throw PhoenixErrors.NotFound("Prompt not found"),
            _ => throw ProblemException.Busy($"Prompt '{name}'"),
        };
        return JsonResponses.Json(new JsonObject { ["data"] = PromptJson(updated) });
    });

    public Task<IResult> DeletePrompt(HttpRequest request, string promptIdentifier) => RunAsync(request, ApiRoles.Write, async call =>
    {
        var name = PromptName(promptIdentifier);
        // Deleting a prompt deletes its tags, so the service refuses when a protected one is among them.
        return await prompts.DeletePromptAsync(name, call.Principal, call.Aborted) switch
        {
            DeletePromptOutcome.Deleted => new EmptyResult(204),
            DeletePromptOutcome.NotFound => throw PhoenixErrors.NotFound("Prompt not found"),
            _ => throw ProblemException.Busy($"Prompt '{name}'"),
        };
    });

    public Task<IResult> ListPromptVersions(HttpRequest request, string promptIdentifier) => RunAsync(request, ApiRoles.Read, async call =>
    {
        var name = PromptName(promptIdentifier);
        var limit = Limit(call);
        var cursor = Query(call, "cursor");
        long? after = null;
        if (cursor is not null)
        {
            var (cursorPrompt, cursorVersion) = PhoenixIds.ParseVersion(cursor) is { } parsed && parsed.Prompt == name
                ? parsed
                : throw PhoenixErrors.Invalid($"Invalid cursor format: {cursor}");
            // The cursor is the first version of the page, inclusive; a cursor whose version is gone (its prompt was
            // deleted) continues nowhere.
            var first = await catalog.ResolveVersionAsync(cursorPrompt, cursorVersion, call.Aborted);
            if (first is null) return Page([], null);
            after = first.Sequence + 1;
        }
        // Phoenix answers an unknown prompt with an empty list rather than 404; so do we.
        var page = await Store.ListVersionsAsync(name, limit + 1, after, call.Aborted);
        var shown = page.Items.Take(limit).ToList();
        var documents = await Task.WhenAll(shown.Select(r => catalog.GetDocumentAsync(r, call.Aborted).AsTask()));
        var items = documents.Select((d, i) => PhoenixVersionMapping.ToPhoenixBytes(d ?? throw PromptLookups.MissingContent(shown[i]))).ToList();
        return Page(items, page.Items.Count > limit ? PhoenixIds.Version(name, page.Items[limit].Id) : null);
    });

    public Task<IResult> GetLatest(HttpRequest request, string promptIdentifier) => RunAsync(request, ApiRoles.Read, async call =>
    {
        var name = PromptName(promptIdentifier);
        var record = await catalog.ResolveLatestAsync(name, call.Aborted) ?? throw PhoenixErrors.NotFound($"Prompt {name} not found");
        return await VersionAsync(record, call);
    });

    public Task<IResult> GetByTag(HttpRequest request, string promptIdentifier, string tagName) => RunAsync(request, ApiRoles.Read, async call =>
    {
        var tag = TagName(tagName);
        var name = PromptName(promptIdentifier);
        var record = await catalog.ResolveTagAsync(name, tag, call.Aborted) ?? throw PhoenixErrors.NotFound($"Prompt {name} has no tag {tag}");
        return await VersionAsync(record, call);
    });

    public Task<IResult> GetVersion(HttpRequest request, string promptVersionId) => RunAsync(request, ApiRoles.Read, async call =>
    {
        var record = await RequireVersionAsync(promptVersionId, call);
        return await VersionAsync(record, call);
    });

    public Task<IResult> ListVersionTags(HttpRequest request, string promptVersionId) => RunAsync(request, ApiRoles.Read, async call =>
    {
        var (prompt, versionId) = VersionId(promptVersionId);
        var limit = Limit(call);
        var cursor = Query(call, "cursor");
        string? from = null;
        if (cursor is not null)
            from = PhoenixIds.ParseTag(cursor) is { } parsed && parsed.Prompt == prompt ? parsed.Tag : throw PhoenixErrors.Invalid($"Invalid cursor format: {cursor}");
        if (await catalog.ResolveVersionAsync(prompt, versionId, call.Aborted) is null) throw PhoenixErrors.NotFound("Prompt version not found");

        var tags = (await Store.ListTagsAsync(prompt, call.Aborted))
            .Where(t => t.Target.Id == versionId && (from is null || string.CompareOrdinal(t.Name, from) >= 0))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        var shown = tags.Take(limit).ToList();
        // A Phoenix tag's description is the reason given with its latest change (Phoenix's POST sends it as one).
        var latestChanges = await Task.WhenAll(shown.Select(t => Store.GetTagHistoryAsync(prompt, t.Name, 1, null, call.Aborted)));
        var data = new JsonArray();
        for (var i = 0; i < shown.Count; i++)
        {
            var tag = new JsonObject { ["id"] = PhoenixIds.Tag(prompt, shown[i].Name), ["name"] = shown[i].Name };
            if (latestChanges[i].Items is [{ Reason: { } reason }]) tag["description"] = reason;
            data.Add(tag);
        }
        var next = tags.Count > limit ? PhoenixIds.Tag(prompt, tags[limit].Name) : null;
        return JsonResponses.Json(new JsonObject { ["data"] = data, ["next_cursor"] = next });
    });

    /// <summary>Phoenix's tag create is an upsert: the tag moves to this version, with a history entry as any move.</summary>
    public Task<IResult> CreateVersionTag(HttpRequest request, string promptVersionId) => RunAsync(request, ApiRoles.Write, async call =>
    {
        var body = await ReadBodyAsync(call);
        var v = new PhoenixValidator();
        object[] root = ["body"];
        string? tag = null, description = null;
        if (v.Model(body, root, "PromptVersionTagData") is { } data)
        {
            if (v.Required(data, root, "name", out var nameNode)) tag = v.Identifier(nameNode, ["body", "name"], Identifiers.MaxTagNameLength);
            if (v.Optional(data, "description", out var descriptionNode, nullable: true)) description = v.String(descriptionNode, ["body", "description"], MaxTagDescriptionLength);
        }
        if (v.Faults.Count > 0) throw new PhoenixValidationException(v.Faults);
        var record = await RequireVersionAsync(promptVersionId, call);
        var outcome = await prompts.MoveTagAsync(record.Prompt, tag!, record.Id, TagPrecondition.None, call.Principal, description, call.Aborted);
        return outcome switch
        {
            TagChangeOutcome.Changed or TagChangeOutcome.Unchanged => new EmptyResult(204),
            TagChangeOutcome.VersionNotFound => throw PhoenixErrors.NotFound("Prompt version not found"),
            TagChangeOutcome.Busy => throw ProblemException.Busy($"Tag '{tag}' of prompt '{record.Prompt}'"),
            _ => throw new InvalidOperationException(outcome.ToString()),
        };
    });

    /// <summary>As in Phoenix, the tag is looked up in the version's prompt, wherever it points.</summary>
    public Task<IResult> DeleteVersionTag(HttpRequest request, string promptVersionId, string tagName) => RunAsync(request, ApiRoles.Write, async call =>
    {
        var (prompt, versionId) = VersionId(promptVersionId);
        var tag = TagName(tagName);
        if (await catalog.ResolveVersionAsync(prompt, versionId, call.Aborted) is null) throw PhoenixErrors.NotFound("Prompt version not found");
        var outcome = await prompts.DeleteTagAsync(prompt, tag, TagPrecondition.None, call.Principal, null, call.Aborted);
        return outcome switch
        {
            TagChangeOutcome.Changed => new EmptyResult(204),
            TagChangeOutcome.TagNotFound => throw PhoenixErrors.NotFound($"Tag {tag} not found"),
            TagChangeOutcome.Busy => throw ProblemException.Busy($"Tag '{tag}' of prompt '{prompt}'"),
            _ => throw new InvalidOperationException(outcome.ToString()),
        };
    });

    private Task<IResult> RunAsync(HttpRequest request, ApiRoles role, Func<ApiCall, Task<IResult>> handler) =>
        executor.RunAsync(request, PhoenixDialect.Instance, role, handler);

    private async Task<IResult> VersionAsync(VersionRecord record, ApiCall call)
    {
        var document = await catalog.GetDocumentAsync(record, call.Aborted) ?? throw PromptLookups.MissingContent(record);
        return Envelope(PhoenixVersionMapping.ToPhoenixBytes(document));
    }

    private async Task<VersionRecord> RequireVersionAsync(string promptVersionId, ApiCall call)
    {
        var (prompt, versionId) = VersionId(promptVersionId);
        return await catalog.ResolveVersionAsync(prompt, versionId, call.Aborted) ?? throw PhoenixErrors.NotFound("Prompt version not found");
    }

    private static (string Prompt, string VersionId) VersionId(string promptVersionId) =>
        PhoenixIds.ParseVersion(promptVersionId) ?? throw PhoenixErrors.Invalid("Invalid prompt version ID");

    /// <summary>A prompt GlobalID or a prompt name, tried in that order as Phoenix does.</summary>
    private static string PromptName(string identifier)
    {
        if (string.IsNullOrEmpty(identifier)) throw PhoenixErrors.Invalid("Invalid prompt identifier");
        return PhoenixIds.ParsePrompt(identifier)
            ?? (Identifiers.IsPromptName(identifier) ? identifier : throw PhoenixErrors.Invalid("Invalid prompt name"));
    }

    private static string TagName(string tagName) => Identifiers.IsTagName(tagName) ? tagName : throw PhoenixErrors.Invalid("Invalid tag name");

    private static (string? Name, string? Description, string? MetadataJson) ReadPromptData(JsonObject prompt, PhoenixValidator v)
    {
        object[] location = ["body", "prompt"];
        var name = v.Required(prompt, location, "name", out var nameNode) ? v.Identifier(nameNode, ["body", "prompt", "name"], Identifiers.MaxPromptNameLength) : null;
        var description = v.Optional(prompt, "description", out var descriptionNode, nullable: true)
            ? v.String(descriptionNode, ["body", "prompt", "description"], MaxPromptDescriptionLength)
            : null;
        // Accepted and ignored, as Phoenix does.
        if (v.Optional(prompt, "source_prompt_id", out var sourceNode, nullable: true)) v.String(sourceNode, ["body", "prompt", "source_prompt_id"]);
        var metadata = v.Optional(prompt, "metadata", out var metadataNode, nullable: true)
            ? Metadata(v.Dict(metadataNode, ["body", "prompt", "metadata"]), ["body", "prompt", "metadata"], v)
            : null;
        return (name, description, metadata);
    }

    private static string? Metadata(JsonObject? metadata, IReadOnlyList<object> location, PhoenixValidator v)
    {
        if (metadata is null) return null;
        var json = metadata.ToJsonString(JsonResponses.Options);
        if (json.Length <= MaxMetadataJsonLength) return json;
        v.Fault(location, "value_error", $"Value error, metadata must serialize to at most {MaxMetadataJsonLength} characters of JSON, got {json.Length}");
        return null;
    }

    /// <summary>Phoenix's <c>Prompt</c>, as its list returns it: nulls and an empty metadata object included.</summary>
    private static JsonObject PromptJson(PromptRecord prompt) => new()
    {
        ["name"] = prompt.Name,
        ["description"] = prompt.Description,
        ["source_prompt_id"] = null,
        ["metadata"] = prompt.MetadataJson is null ? new JsonObject() : JsonNode.Parse(prompt.MetadataJson),
        ["id"] = PhoenixIds.Prompt(prompt.Name),
    };

    /// <summary>The body as JSON; a missing or malformed body is a FastAPI validation error, as in Phoenix.</summary>
    private static async Task<JsonNode?> ReadBodyAsync(ApiCall call)
    {
        var body = await call.ReadJsonAsync(required: false);
        if (body is null) throw PhoenixErrors.Invalid(["body"], "missing", "Field required");
        return body;
    }

    /// <summary>
    /// Phoenix's <c>limit</c>: an integer above 0, default 100. Larger values are served as the configured page
    /// size; <c>next_cursor</c> tells the caller there is more.
    /// </summary>
    private int Limit(ApiCall call)
    {
        var text = Query(call, "limit");
        if (text is null) return Math.Min(100, executor.Options.MaxPageSize);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit))
            throw PhoenixErrors.Invalid(["query", "limit"], "int_parsing", "Input should be a valid integer, unable to parse string as an integer");
        if (limit <= 0) throw new PhoenixValidationException([new PhoenixFault(["query", "limit"], "greater_than", "Input should be greater than 0", new JsonObject { ["gt"] = 0 })]);
        return (int)Math.Min(limit, executor.Options.MaxPageSize);
    }

    /// <summary>A query parameter; as in Starlette, the last of repeated values wins and an empty value is no value.</summary>
    private static string? Query(ApiCall call, string name)
    {
        var values = call.Request.Query[name];
        return values.Count == 0 || string.IsNullOrEmpty(values[^1]) ? null : values[^1];
    }

    /// <summary>
    /// The greatest key below <paramref name="name"/> that no prompt name can fall between: the prompt index
    /// continues after a key, and Phoenix cursors are inclusive. Names end in [a-z0-9]; lowering that character and
    /// appending '~' (above every name character) leaves no valid name in between.
    /// </summary>
    private static string JustBefore(string name) => string.Concat(name.AsSpan(0, name.Length - 1), [(char)(name[^1] - 1), '~']);

    private static JsonBytesResult Envelope(byte[] version)
    {
        using var buffer = new MemoryStream(version.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("data");
            writer.WriteRawValue(version, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return new JsonBytesResult(200, buffer.ToArray());
    }

    private static JsonBytesResult Page(IReadOnlyList<byte[]> versions, string? nextCursor)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonResponses.Options.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var version in versions) writer.WriteRawValue(version, skipInputValidation: true);
            writer.WriteEndArray();
            writer.WriteString("next_cursor", nextCursor);
            writer.WriteEndObject();
        }
        return new JsonBytesResult(200, buffer.ToArray());
    }
}
