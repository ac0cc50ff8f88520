using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Optimization;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Optimization;

/// <summary>
/// Finding runs, and a person's decision on a run's proposed version. A run only ever moves its own (unprotected)
/// target tag; accepting moves a tag the person names, through <see cref="PromptService"/> with their key, so a
/// protected tag still needs the promote role and <c>If-Match</c> works as on the tag route. Either decision is
/// recorded once on the run, so its proposal stops showing as pending.
/// </summary>
public sealed partial class OptimizationsApi
{
    public const string AcceptedDecision = "accepted";
    public const string DismissedDecision = "dismissed";

    public Task<IResult> List(HttpRequest request) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var prompt = call.Query("prompt") is { } name ? ApiCall.PromptName(name) : null;
        var limit = call.Limit();
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !OptimizationIndexEntity.IsKey(after)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");
        var page = await store.ListAsync(prompt, limit, after, call.Aborted);
        var items = page.Items.Select(i => new OptimizationSummary(i.Run.Id, i.Run.Status, i.Run.Outcome, i.Run.StopReason, i.Prompt, i.PromptSequence, i.Dataset,
            i.TargetTag, new OptimizationSpent(i.Run.RoundsCompleted, i.Run.CallsSpent, i.Run.CostSpent), i.Run.CreatedBy, i.Run.CreatedAt, i.Run.CompletedAt,
            Result(i.Run), Review(i.Run))).ToList();
        return JsonResponses.Contract(new Page<OptimizationSummary>(items, Cursors.Encode(page.NextCursor)));
    });

    /// <summary>
    /// Moves the tag the body names to the run's proposed version and records the acceptance. The decision is checked
    /// before the move and recorded after it; if two people accept at once, both moves happen (each is a normal,
    /// audited tag move) and the second is told the first decision stands.
    /// </summary>
    public Task<IResult> Accept(HttpRequest request, string id) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var record = await RequireAsync(id, call);
        var precondition = TagsApi.IfMatch(call);
        var body = await call.ReadObjectAsync("tag", "reason");
        var reader = new ValidatingJsonReader();
        var tag = reader.String(reader.Required(body, "$", "tag"), "$.tag", Identifiers.MaxTagNameLength);
        if (tag is not null && !Identifiers.IsTagName(tag)) reader.Fault("$.tag", Identifiers.TagNameRule);
        var reason = body["reason"] is { } r ? reader.String(r, "$.reason", 2000) : null;
        if (reader.Faults.Count > 0) throw ProblemException.Invalid(reader.Faults);

        var result = RequirePending(record);
        prompts.RequireMayChangeTag(call.Principal, tag!);
        var spec = await store.GetSpecAsync(record.Id, call.Aborted);
        var outcome = await prompts.MoveTagAsync(spec.PromptName, tag!, result.Version, precondition, call.Principal,
            string.IsNullOrWhiteSpace(reason) ? $"accepted optimization {record.Id}" : reason, call.Aborted);
        switch (outcome)
        {
            case TagChangeOutcome.Changed or TagChangeOutcome.Unchanged:
                break;
            case TagChangeOutcome.PreconditionFailed p:
                throw ProblemException.PreconditionFailed(
                    p.CurrentVersion is null
                        ? $"Tag '{tag}' does not exist, so the If-Match condition does not hold."
                        : $"Tag '{tag}' points at {p.CurrentVersion}, which does not match If-Match.",
                    new JsonObject { ["current_version"] = p.CurrentVersion });
            case TagChangeOutcome.VersionNotFound:
                throw ProblemException.Conflict($"The proposed version {result.Version} of '{spec.PromptName}' no longer exists.");
            default:
                throw ProblemException.Busy($"Tag '{tag}' of prompt '{spec.PromptName}'");
        }
        return await RecordAsync(record, new OptimizationReview(AcceptedDecision, result.Version, tag, call.Principal.Name, clock.GetUtcNow(), reason), call);
    });

    /// <summary>Records that the proposal was turned down. Nothing else changes: the saved version stays in the prompt's history and the run's target tag where the run put it.</summary>
    public Task<IResult> Dismiss(HttpRequest request, string id) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var record = await RequireAsync(id, call);
        var body = await call.ReadJsonAsync(required: false);
        string? reason = null;
        if (body is not null)
        {
            var reader = new ValidatingJsonReader();
            reason = ApiCall.ExpectObject(body, "reason")["reason"] is { } r ? reader.String(r, "$.reason", 2000) : null;
            if (reader.Faults.Count > 0) throw ProblemException.Invalid(reader.Faults);
        }
        var result = RequirePending(record);
        return await RecordAsync(record, new OptimizationReview(DismissedDecision, result.Version, null, call.Principal.Name, clock.GetUtcNow(), reason), call);
    });

    private static OptimizationResult RequirePending(OptimizationRecord record)
    {
        if (Review(record) is { } review)
            throw ProblemException.Conflict($"Optimization {record.Id}'s proposal was already {review.Decision} by {review.By}.", new JsonObject { ["decision"] = review.Decision });
        return Result(record) ?? throw ProblemException.Conflict(record.Status is OptimizationStatus.Queued or OptimizationStatus.Running
            ? $"Optimization {record.Id} is still {record.Status}; it has proposed no version yet."
            : $"Optimization {record.Id} ended {record.Status} without proposing a version.");
    }

    private async Task<IResult> RecordAsync(OptimizationRecord record, OptimizationReview review, ApiCall call)
    {
        var json = System.Text.Encoding.UTF8.GetString(ContractsJson.Serialize(review));
        var recorded = await store.RecordReviewAsync(record.Id, json, call.Aborted) switch
        {
            OptimizationReviewOutcome.Recorded done => done.Record,
            OptimizationReviewOutcome.AlreadyReviewed first => throw ProblemException.Conflict(
                $"Optimization {record.Id}'s proposal was already {Review(first.Record)!.Decision} by {Review(first.Record)!.By}.",
                new JsonObject { ["decision"] = Review(first.Record)!.Decision }),
            OptimizationReviewOutcome.NotFound => throw ProblemException.NotFound($"Optimization {record.Id} does not exist."),
            _ => throw ProblemException.Busy($"Optimization {record.Id}"),
        };
        return JsonResponses.Contract(await DescribeAsync(recorded, call.Aborted));
    }
}
