using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Compatibility.Langfuse;

/// <summary>
/// Langfuse's public prompt API (<c>/api/public/v2/prompts</c>) over the same stores as the native API. Each public
/// method is the whole behaviour of one route, shared by both hosts; the mapping lives in <see cref="LangfuseFormat"/>.
/// </summary>
public sealed class LangfuseApi(ApiExecutor executor, PromptReader store, PromptCatalog catalog, PromptService prompts)
{
    private const int DefaultListLimit = 10;
    private const int MaxListLimit = 100;
    private const int ListConcurrency = 8;

    private static readonly IApiDialect Dialect = LangfuseDialect.Instance;

    private PromptReader Store => store;
    private PromptService Prompts => prompts;
    private PromptCatalog Catalog => catalog;

    // GET is what a Langfuse client calls on every cache miss or refresh: state is passed, not captured.
    public Task<IResult> GetPrompt(HttpRequest request, string name) => executor.RunAsync(request, Dialect, ApiRoles.Read, (Api: this, Name: name), static async (call, s) =>
    {
        var prompt = LangfuseFormat.PromptName(s.Name);
        var version = PositiveInteger(call.Query("version"), "version");
        var label = call.Query("label");
        if (version is not null && label is not null) throw ProblemException.BadRequest("Cannot specify both version and label.");
        label ??= version is null ? LangfuseFormat.DefaultLabel : null;
        var notFound = version is { } v ? $"Prompt not found: '{prompt}' with version {v}" : $"Prompt not found: '{prompt}' with label '{ApiCall.Printable(label)}'";

        var state = await s.Api.Catalog.GetPromptStateAsync(prompt, call.Aborted) ?? throw ProblemException.NotFound(notFound);
        var record = version is { } n
            ? await s.Api.Catalog.ResolveVersionAsync(prompt, Sequence(n), call.Aborted)
            : LangfuseFormat.Resolve(state, label!);
        if (record is null) throw ProblemException.NotFound(notFound);
        var document = await s.Api.Catalog.GetDocumentAsync(record, call.Aborted) ?? throw PromptLookups.MissingContent(record);
        return new JsonBytesResult(200, s.Api.GetResponseBody(document, state));
    });

    // A GET answer depends only on the version document and the prompt state it is built from. The catalog hands
    // out the same immutable objects until something changes (or its short cache expires), so an answer is built
    // once per pair and reused while both are current.
    private const int MaxCachedResponses = 10_000;
    private readonly ConcurrentDictionary<(string Prompt, string Id), CachedResponse> _responses = new();

    private sealed record CachedResponse(PromptState State, VersionDocument Document, byte[] Body);

    private byte[] GetResponseBody(VersionDocument document, PromptState state)
    {
        var key = (state.Prompt.Name, document.Record.Id);
        if (_responses.TryGetValue(key, out var cached) && ReferenceEquals(cached.State, state) && ReferenceEquals(cached.Document, document))
            return cached.Body;
        var body = JsonResponses.Serialize(LangfuseFormat.Prompt(document, state, withIsActive: true));
        if (_responses.Count >= MaxCachedResponses) _responses.Clear();
        _responses[key] = new CachedResponse(state, document, body);
        return body;
    }

    public Task<IResult> CreatePrompt(HttpRequest request) => executor.RunAsync(request, Dialect, ApiRoles.Write, this, static async (call, api) =>
    {
        var create = LangfuseFormat.ReadCreateRequest(await call.ReadJsonAsync());
        foreach (var label in create.Labels) api.Prompts.RequireMayChangeTag(call.Principal, label);
        var prompt = create.Name;

        var existing = await api.Store.GetPromptAsync(prompt, call.Aborted);
        // The prompt's tags join its other metadata in one table property: check that they fit before anything is written.
        if (create.Tags is { } wanted && existing?.MetadataJson is { } metadata && LangfuseFormat.MetadataWithTags(metadata, wanted) is { } merged && !TableLimits.FitsInline(merged))
        {
            throw ProblemException.BadRequest(
                $"$.tags: with the prompt's other metadata the tags take {merged.Length} characters as stored JSON, at most {TableLimits.MaxInlineChars} fit.");
        }
        if (existing is { Latest: { } latest })
        {
            var previous = await api.Catalog.GetDocumentAsync(latest, call.Aborted) ?? throw PromptLookups.MissingContent(latest);
            if (LangfuseFormat.IsChat(previous.Content) != create.IsChat)
            {
                throw ProblemException.BadRequest(
                    $"Previous versions of '{prompt}' are {(create.IsChat ? "text" : "chat")} prompts; a new version cannot change the type to {(create.IsChat ? "chat" : "text")}.");
            }
        }

        var version = new NewVersion(prompt, create.Content, create.CommitMessage,
            PromptMetadataJson: create.Tags is { } newTags ? LangfuseFormat.MetadataWithTags(null, newTags) : null);
        var outcome = await api.Prompts.PublishAsync(version, [], call.Principal, null, call.Aborted);
        var (record, created) = outcome is PublishOutcome.Published published
            ? (published.Version, published.Created)
            : throw ProblemException.Busy($"Prompt '{prompt}'");

        // Langfuse's tags belong to the prompt: given, they replace the previous ones; omitted, they carry over.
        if (create.Tags is { } tags && await api.Store.GetPromptAsync(prompt, call.Aborted) is { } stored &&
            !LangfuseFormat.Tags(stored).SequenceEqual(tags, StringComparer.Ordinal))
        {
            var update = await api.Prompts.UpdatePromptAsync(prompt, new PromptUpdate(MetadataJson: LangfuseFormat.MetadataWithTags(stored.MetadataJson, tags)), call.Principal, call.Aborted);
            if (update is UpdatePromptOutcome.Busy) throw ProblemException.Busy($"Prompt '{prompt}'");
        }

        await api.MoveLabelsAsync(call, prompt, record, create.Labels, create.CommitMessage ?? "set on version create");
        return await api.PromptResponseAsync(call, record, created ? 201 : 200);
    });

    public Task<IResult> UpdatePromptVersion(HttpRequest request, string name, string version) => executor.RunAsync(request, Dialect, ApiRoles.Write, async call =>
    {
        var prompt = LangfuseFormat.PromptName(name);
        var sequence = PositiveInteger(version, "version") ?? throw ProblemException.BadRequest("The version in the path must be a positive integer.");
        var body = ApiCall.ExpectObject(await call.ReadJsonAsync(), "newLabels");
        var cursor = new PromptFunctions.Prompts.Model.ValidatingJsonReader();
        var labels = LangfuseFormat.ReadLabels(cursor.Required(body, "$", "newLabels"), "$.newLabels", cursor);
        if (labels.Contains(LangfuseFormat.LatestLabel)) cursor.Fault("$.newLabels", "Label 'latest' is always assigned to the latest prompt version");
        if (cursor.Faults.Count > 0) throw ProblemException.Invalid(cursor.Faults);
        foreach (var label in labels) prompts.RequireMayChangeTag(call.Principal, label);

        var record = await Store.GetVersionBySequenceAsync(prompt, sequence, call.Aborted)
            ?? throw ProblemException.NotFound(await Store.GetPromptAsync(prompt, call.Aborted) is null
                ? $"Prompt not found: '{prompt}'"
                : $"Prompt version not found: '{prompt}' version {sequence}");
        await MoveLabelsAsync(call, prompt, record, labels, "set through the Langfuse API");
        return await PromptResponseAsync(call, record, 200);
    });

    /// <summary>
    /// All versions; or, as in Langfuse, the version a <c>label</c> points at, or one <c>version</c>. Deleting a
    /// version deletes the tags on it, so protected tags among them need the promote role.
    /// </summary>
    public Task<IResult> DeletePrompt(HttpRequest request, string name) => executor.RunAsync(request, Dialect, ApiRoles.Write, async call =>
    {
        var prompt = LangfuseFormat.PromptName(name);
        var version = PositiveInteger(call.Query("version"), "version");
        var label = call.Query("label");
        if (version is not null && label is not null) throw ProblemException.BadRequest("Cannot specify both version and label.");
        var state = await LoadStateAsync(prompt, call) ?? throw ProblemException.NotFound($"Prompt not found: '{prompt}'");

        if (version is null && label is null)
        {
            return await prompts.DeletePromptAsync(prompt, call.Principal, call.Aborted) switch
            {
                DeletePromptOutcome.Deleted => new EmptyResult(204),
                DeletePromptOutcome.NotFound => throw ProblemException.NotFound($"Prompt not found: '{prompt}'"),
                _ => throw ProblemException.Busy($"Prompt '{prompt}'"),
            };
        }

        var record = version is { } sequence
            ? await Store.GetVersionBySequenceAsync(prompt, sequence, call.Aborted)
            : LangfuseFormat.Resolve(state, label!);
        if (record is null)
        {
            throw ProblemException.NotFound(version is { } v
                ? $"Prompt not found: '{prompt}' with version {v}"
                : $"Prompt not found: '{prompt}' with label '{ApiCall.Printable(label)}'");
        }
        var deleted = await prompts.DeleteVersionAsync(prompt, record.Id, call.Principal, $"version {record.Sequence} deleted through the Langfuse API", call.Aborted);
        return deleted is DeleteVersionOutcome.Busy ? throw ProblemException.Busy($"Prompt '{prompt}'") : new EmptyResult(204);
    });

    public Task<IResult> ListPrompts(HttpRequest request) => executor.RunAsync(request, Dialect, ApiRoles.Read, async call =>
    {
        var page = PositiveInteger(call.Query("page"), "page") ?? 1;
        var limitText = call.Query("limit");
        var limit = limitText is null ? DefaultListLimit : PositiveInteger(limitText, "limit")!.Value;
        if (limit > MaxListLimit) throw ProblemException.BadRequest($"'limit' must be an integer from 1 to {MaxListLimit}, got '{ApiCall.Printable(limitText)}'.");
        var filter = new ListFilter(call.Query("name"), call.Query("label"), call.Query("tag"), Instant(call.Query("fromUpdatedAt"), "fromUpdatedAt"), Instant(call.Query("toUpdatedAt"), "toUpdatedAt"));

        var names = await CandidateNamesAsync(filter.Name, call);
        List<PromptMeta> matching;
        int total;
        var offset = (page - 1) * (long)limit;
        if (filter.NeedsReading)
        {
            // Label, tag and time filters apply to versions, so every candidate has to be read to count the matches.
            var all = await DescribeAsync(names, filter, call);
            matching = all.Where(m => m is not null).Select(m => m!).ToList();
            total = matching.Count;
            matching = matching.Skip((int)Math.Min(offset, int.MaxValue)).Take(limit).ToList();
        }
        else
        {
            var pageNames = names.Skip((int)Math.Min(offset, int.MaxValue)).Take(limit).ToList();
            matching = (await DescribeAsync(pageNames, filter, call)).Where(m => m is not null).Select(m => m!).ToList();
            // A prompt deleted between the index scan and its read drops out of the page but not the count.
            total = names.Count;
        }

        var data = new JsonArray();
        foreach (var meta in matching) data.Add(await MetaJsonAsync(meta, call));
        return JsonResponses.Json(new JsonObject
        {
            ["data"] = data,
            ["meta"] = new JsonObject
            {
                ["page"] = page,
                ["limit"] = limit,
                ["totalItems"] = total,
                ["totalPages"] = (total + limit - 1) / limit,
            },
        });
    });

    private sealed record ListFilter(string? Name, string? Label, string? Tag, DateTimeOffset? From, DateTimeOffset? To)
    {
        /// <summary>Whether candidates must be read to be counted: a name is checked too, as the index is not consulted for it.</summary>
        public bool NeedsReading => Name is not null || Label is not null || Tag is not null || From is not null || To is not null;
    }

    /// <summary>A prompt as the list shows it: the versions that matched the filter, newest first.</summary>
    private sealed record PromptMeta(PromptState State, IReadOnlyList<VersionRecord> Versions);

    private async Task<List<string>> CandidateNamesAsync(string? name, ApiCall call)
    {
        if (name is not null)
        {
            // A name that cannot be ours matches nothing; it is a filter, not a reference.
            return PromptFunctions.Prompts.Identifiers.IsPromptName(name) ? [name] : [];
        }
        var names = new List<string>();
        string? after = null;
        do
        {
            var page = await Store.ListPromptsAsync(1000, after, call.Aborted);
            names.AddRange(page.Items.Select(p => p.Name));
            after = page.NextCursor;
        }
        while (after is not null);
        return names;
    }

    private async Task<PromptMeta?[]> DescribeAsync(IReadOnlyList<string> names, ListFilter filter, ApiCall call)
    {
        var results = new PromptMeta?[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count), new ParallelOptions { MaxDegreeOfParallelism = ListConcurrency, CancellationToken = call.Aborted },
            async (i, token) => results[i] = await DescribeAsync(names[i], filter, token));
        return results;
    }

    private async Task<PromptMeta?> DescribeAsync(string prompt, ListFilter filter, CancellationToken cancellationToken)
    {
        var state = await LoadStateAsync(prompt, cancellationToken);
        if (state is null) return null;
        if (filter.Tag is not null && !LangfuseFormat.Tags(state.Prompt).Contains(filter.Tag, StringComparer.Ordinal)) return null;
        var versions = new List<VersionRecord>();
        long? after = null;
        do
        {
            var page = await Store.ListVersionsAsync(prompt, 1000, after, cancellationToken);
            foreach (var version in page.Items)
            {
                if (filter.Label is not null && !LangfuseFormat.Labels(version, state).Contains(filter.Label, StringComparer.Ordinal)) continue;
                var updated = LangfuseFormat.UpdatedAt(version, state);
                if (filter.From is { } from && updated < from) continue;
                if (filter.To is { } to && updated >= to) continue;
                versions.Add(version);
            }
            after = page.NextCursor is { } cursor ? long.Parse(cursor, CultureInfo.InvariantCulture) : null;
        }
        while (after is not null);
        return versions.Count == 0 ? null : new PromptMeta(state, versions);
    }

    private async Task<JsonObject> MetaJsonAsync(PromptMeta meta, ApiCall call)
    {
        var newest = meta.Versions[0];
        var document = await catalog.GetDocumentAsync(newest, call.Aborted) ?? throw PromptLookups.MissingContent(newest);
        var labels = meta.Versions.SelectMany(v => LangfuseFormat.Labels(v, meta.State)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return new JsonObject
        {
            ["name"] = meta.State.Prompt.Name,
            ["type"] = LangfuseFormat.IsChat(document.Content) ? "chat" : "text",
            ["versions"] = new JsonArray(meta.Versions.Select(v => v.Sequence).Order().Select(n => (JsonNode?)n).ToArray()),
            ["labels"] = LangfuseFormat.Strings(labels),
            ["tags"] = LangfuseFormat.Strings(LangfuseFormat.Tags(meta.State.Prompt)),
            ["lastUpdatedAt"] = LangfuseFormat.Timestamp(meta.Versions.Max(v => LangfuseFormat.UpdatedAt(v, meta.State))),
            ["lastConfig"] = LangfuseFormat.Config(document),
        };
    }

    /// <summary>Moves each label (a tag) to <paramref name="record"/>, off whichever version had it, with its history entry.</summary>
    private async Task MoveLabelsAsync(ApiCall call, string prompt, VersionRecord record, IReadOnlyList<string> labels, string reason)
    {
        foreach (var label in labels)
        {
            var outcome = await prompts.MoveTagAsync(prompt, label, record.Id, TagPrecondition.None, call.Principal, reason, call.Aborted);
            if (outcome is TagChangeOutcome.VersionNotFound)
                throw ProblemException.NotFound($"Prompt version not found: '{prompt}' version {record.Sequence} was deleted meanwhile");
            if (outcome is TagChangeOutcome.Busy) throw ProblemException.Busy($"Label '{label}' of prompt '{prompt}'");
        }
    }

    private async Task<IResult> PromptResponseAsync(ApiCall call, VersionRecord record, int status)
    {
        // Read back uncached, so the response shows the labels and tags this request just wrote.
        var state = await LoadStateAsync(record.Prompt, call) ?? throw ProblemException.NotFound($"Prompt not found: '{record.Prompt}' (deleted meanwhile)");
        var document = await catalog.GetDocumentAsync(record, call.Aborted) ?? throw PromptLookups.MissingContent(record);
        return JsonResponses.Json(LangfuseFormat.Prompt(document, state, withIsActive: false), status);
    }

    private Task<PromptState?> LoadStateAsync(string prompt, ApiCall call) => LoadStateAsync(prompt, call.Aborted);

    private async Task<PromptState?> LoadStateAsync(string prompt, CancellationToken cancellationToken)
    {
        var promptTask = Store.GetPromptAsync(prompt, cancellationToken);
        var tagsTask = Store.ListTagsAsync(prompt, cancellationToken);
        var record = await promptTask;
        var tags = await tagsTask;
        return record is null ? null : new PromptState(record, tags);
    }

    /// <summary>A positive integer query or path value (versions, pages, limits), or null when absent.</summary>
    private static int? PositiveInteger(string? text, string parameter)
    {
        if (text is null) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
            throw ProblemException.BadRequest($"'{parameter}' must be a positive integer, got '{ApiCall.Printable(text)}'.");
        return value;
    }

    private static DateTimeOffset? Instant(string? text, string parameter)
    {
        if (text is null) return null;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            throw ProblemException.BadRequest($"'{parameter}' must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z, got '{ApiCall.Printable(text)}'.");
        return value;
    }

    private static string Sequence(long sequence) => "v" + sequence.ToString(CultureInfo.InvariantCulture);
}
