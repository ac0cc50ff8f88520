using Microsoft.AspNetCore.Http;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Prompts;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Prompts;

/// <summary>
/// The native tag routes (<see cref="TagRoutes"/>): fetch by tag, list, move, delete, history and rollback. Moves
/// honour <c>If-Match</c> (the version id the caller believes the tag points at).
/// </summary>
public sealed class TagsApi(ApiExecutor executor, PromptLookups lookups, PromptService prompts)
{
    private static readonly IApiDialect Dialect = NativeDialect.Instance;

    private PromptReader Reader => lookups.Reader;
    private PromptLookups Lookups => lookups;
    private PromptCatalog Catalog => lookups.Catalog;

    // The hot path: state is passed to a static lambda, not captured.
    public Task<IResult> GetTag(HttpRequest request, string name, string tag) => executor.RunAsync(request, Dialect, ApiRoles.Read, (Api: this, Name: name, Tag: tag), static async (call, s) =>
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var prompt = ApiCall.PromptName(s.Name);
        var tagName = ApiCall.TagName(s.Tag);
        var record = await s.Api.Catalog.ResolveTagAsync(prompt, tagName, out var cached, call.Aborted)
            ?? throw ProblemException.NotFound(await s.Api.Reader.GetPromptAsync(prompt, call.Aborted) is null
                ? $"Prompt '{prompt}' does not exist."
                : $"Prompt '{prompt}' has no tag '{tagName}'.");
        var document = await s.Api.Lookups.RequireDocumentAsync(record, call.Aborted);
        var reply = HttpReplies.ConditionalGet(call.Request, document.EntityTag, document.ResponseBytes, s.Api.Lookups.MovableCacheControl, document.ETag);
        s.Api.Lookups.Metrics.RecordFetch(TagRoutes.Tag, cached, started);
        return reply;
    });

    public Task<IResult> ListTags(HttpRequest request, string name) => executor.RunAsync(request, Dialect, ApiRoles.Read, async call =>
    {
        var prompt = await lookups.RequirePromptAsync(name, call);
        var tags = await Reader.ListTagsAsync(prompt.Name, call.Aborted);
        return JsonResponses.Contract(new TagList(tags.Select(PromptContractMapping.Tag).ToList()));
    });

    public Task<IResult> PutTag(HttpRequest request, string name, string tag) => executor.RunAsync(request, Dialect, ApiRoles.Write, async call =>
    {
        var prompt = ApiCall.PromptName(name);
        var tagName = ApiCall.TagName(tag);
        var precondition = IfMatch(call);
        var body = await call.ReadObjectAsync("version", "reason");
        var reader = new ValidatingJsonReader();
        var reference = reader.String(reader.Required(body, "$", "version"), "$.version", 100);
        var reason = body["reason"] is { } r ? reader.String(r, "$.reason", 2000) : null;
        if (reference is not null && !PromptLookups.IsVersionReference(reference)) reader.Fault("$.version", "must be a version id (64 hex characters) or v{sequence}");
        if (reader.Faults.Count > 0) throw ProblemException.Invalid(reader.Faults);
        prompts.RequireMayChangeTag(call.Principal, tagName);
        await lookups.RequirePromptAsync(prompt, call);

        var target = await Catalog.ResolveVersionAsync(prompt, reference!, call.Aborted)
            ?? throw ProblemException.Invalid("$.version", $"prompt '{prompt}' has no version '{reference}'");
        var outcome = await prompts.MoveTagAsync(prompt, tagName, target.Id, precondition, call.Principal, reason, call.Aborted);
        return TagChangeReply(prompt, tagName, outcome);
    });

    public Task<IResult> DeleteTag(HttpRequest request, string name, string tag) => executor.RunAsync(request, Dialect, ApiRoles.Write, async call =>
    {
        var prompt = ApiCall.PromptName(name);
        var tagName = ApiCall.TagName(tag);
        var precondition = IfMatch(call);
        prompts.RequireMayChangeTag(call.Principal, tagName);
        await lookups.RequirePromptAsync(prompt, call);
        var reason = call.Query("reason");
        if (reason is { Length: > 2000 }) throw ProblemException.BadRequest("'reason' must be at most 2000 characters.");
        var outcome = await prompts.DeleteTagAsync(prompt, tagName, precondition, call.Principal, reason, call.Aborted);
        return outcome is TagChangeOutcome.Changed ? new EmptyResult(204) : TagChangeReply(prompt, tagName, outcome);
    });

    public Task<IResult> GetTagHistory(HttpRequest request, string name, string tag) => executor.RunAsync(request, Dialect, ApiRoles.Read, async call =>
    {
        var prompt = await lookups.RequirePromptAsync(name, call);
        var tagName = ApiCall.TagName(tag);
        var limit = call.Limit();
        var before = Cursors.DecodeNumber(call.Query("cursor"));
        var page = await Reader.GetTagHistoryAsync(prompt.Name, tagName, limit, before, call.Aborted);
        if (page.Items.Count == 0 && before is null && await Reader.GetTagAsync(prompt.Name, tagName, call.Aborted) is null)
            throw ProblemException.NotFound($"Prompt '{prompt.Name}' has no tag '{tagName}'.");
        return JsonResponses.Contract(new Page<TagHistoryItem>(page.Items.Select(PromptContractMapping.History).ToList(), Cursors.Encode(page.NextCursor)));
    });

    public Task<IResult> RollbackTag(HttpRequest request, string name, string tag) => executor.RunAsync(request, Dialect, ApiRoles.Write, async call =>
    {
        var prompt = ApiCall.PromptName(name);
        var tagName = ApiCall.TagName(tag);
        var body = await call.ReadJsonAsync(required: false);
        string? reason = null;
        if (body is not null)
        {
            var obj = ApiCall.ExpectObject(body, "reason");
            var reader = new ValidatingJsonReader();
            reason = obj["reason"] is { } r ? reader.String(r, "$.reason", 2000) : null;
            if (reader.Faults.Count > 0) throw ProblemException.Invalid(reader.Faults);
        }
        prompts.RequireMayChangeTag(call.Principal, tagName);
        await lookups.RequirePromptAsync(prompt, call);
        var outcome = await prompts.RollbackTagAsync(prompt, tagName, call.Principal, reason, call.Aborted);
        return TagChangeReply(prompt, tagName, outcome);
    });

    /// <summary>The tag precondition of <c>If-Match</c> (version ids, strong comparison), shared with accepting an optimization's proposal.</summary>
    internal static TagPrecondition IfMatch(ApiCall call)
    {
        var header = call.Request.Headers.IfMatch.ToString();
        var tags = ApiCall.EntityTags(header, "If-Match", out var any);
        if (tags is null) return TagPrecondition.None;
        if (any) return TagPrecondition.Exists;
        // If-Match uses strong comparison: a weak tag never matches, so it can only fail. A version id or a
        // version's entity tag ({id}.{sequence}) names the target the caller expects.
        return TagPrecondition.PointsAt(tags.Where(t => !t.StartsWith("W/", StringComparison.Ordinal)).DefaultIfEmpty("(weak)").ToArray());
    }

    private static IResult TagChangeReply(string prompt, string tag, TagChangeOutcome outcome) => outcome switch
    {
        TagChangeOutcome.Changed { Tag: { } moved } changed => new JsonBytesResult(
            changed.Entry.Action == TagActions.Create ? 201 : 200,
            ContractsJson.Serialize(PromptContractMapping.TagChange(moved, changed.Entry)))
        {
            ETag = JsonResponses.Quote(VersionDocument.EntityTagOf(moved.Target)),
            Location = "/" + ApiRoutes.Expand(TagRoutes.Tag, prompt, tag),
        },
        TagChangeOutcome.Changed => new EmptyResult(204),
        TagChangeOutcome.Unchanged u => new JsonBytesResult(200, ContractsJson.Serialize(PromptContractMapping.TagChange(u.Tag, null))) { ETag = JsonResponses.Quote(VersionDocument.EntityTagOf(u.Tag.Target)) },
        TagChangeOutcome.PreconditionFailed p => throw ProblemException.PreconditionFailed(
            p.CurrentVersion is null
                ? $"Tag '{tag}' does not exist, so the If-Match condition does not hold."
                : $"Tag '{tag}' points at {p.CurrentVersion}, which does not match If-Match.",
            new System.Text.Json.Nodes.JsonObject { ["current_version"] = p.CurrentVersion }),
        TagChangeOutcome.TagNotFound => throw ProblemException.NotFound($"Prompt '{prompt}' has no tag '{tag}'."),
        TagChangeOutcome.VersionNotFound v => throw ProblemException.Invalid("$.version", $"prompt '{prompt}' has no version '{v.Version}'"),
        TagChangeOutcome.NothingToRollBack n => throw ProblemException.Conflict($"Cannot roll back: {n.Reason}."),
        TagChangeOutcome.Busy => throw ProblemException.Busy($"Tag '{tag}' of prompt '{prompt}'"),
        _ => throw new InvalidOperationException(outcome.ToString()),
    };
}
