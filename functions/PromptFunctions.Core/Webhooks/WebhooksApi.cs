using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Contracts.Webhooks;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Events;
using PromptFunctions.Core.Http;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Webhooks;

/// <summary>
/// The webhook routes (<see cref="WebhookRoutes"/>), all for the <c>admin</c> role: subscriptions name where
/// events go and hold the secrets that sign them. A secret is answered twice only: when the subscription is
/// created and when it is rotated. Redelivery takes the host's <see cref="DurableTaskClient"/> as a parameter,
/// like the experiment routes.
/// </summary>
public sealed class WebhooksApi(
    ApiExecutor executor,
    WebhookStore store,
    WebhookUrlPolicy policy,
    WebhookDispatcher dispatcher,
    IOptions<WebhooksOptions> options,
    TimeProvider clock)
{
    private static readonly IApiDialect Dialect = NativeDialect.Instance;

    public Task<IResult> Create(HttpRequest request) => executor.RunAsync(request, Dialect, ApiRoles.Admin, async call =>
    {
        var body = await call.ReadObjectAsync("url", "events", "description");
        var reader = new ValidatingJsonReader();
        var url = reader.String(reader.Required(body, "$", "url"), "$.url", allowEmpty: false);
        var events = ReadEvents(reader.Required(body, "$", "events"), reader);
        var description = body["description"] is { } d ? reader.String(d, "$.description", options.Value.MaxDescriptionLength) : null;
        var uri = url is null ? null : await CheckUrlAsync(url, reader, call.Aborted);
        if (reader.Faults.Count > 0 || uri is null || events is null) throw ProblemException.Invalid(reader.Faults);

        var now = clock.GetUtcNow();
        var subscription = new WebhookSubscriptionRecord(WebhookIds.Subscription(now), url!, events, description, true, null, now, call.Principal.Name, now,
            WebhookSignatures.NewSecret(), null, null);
        if (await store.CreateSubscriptionAsync(subscription, call.Aborted) is CreateSubscriptionOutcome.LimitReached limit)
            throw ProblemException.Conflict($"There are already {limit.Max} webhook subscriptions (Webhooks:MaxSubscriptions); delete one first.");
        var location = "/" + ApiRoutes.Expand(WebhookRoutes.Webhook, subscription.Id);
        return new JsonBytesResult(201, ContractsJson.Serialize(new CreatedWebhookSubscription(Describe(subscription), subscription.Secret))) { Location = location };
    });

    public Task<IResult> List(HttpRequest request) => executor.RunAsync(request, Dialect, ApiRoles.Admin, async call =>
    {
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !WebhookStore.IsId(after)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");
        var page = await store.ListSubscriptionsAsync(call.Limit(), after, call.Aborted);
        return JsonResponses.Contract(new Page<WebhookSubscription>(page.Items.Select(Describe).ToList(), Cursors.Encode(page.NextCursor)));
    });

    public Task<IResult> Get(HttpRequest request, string id) => executor.RunAsync(request, Dialect, ApiRoles.Admin, async call =>
        JsonResponses.Contract(Describe(await RequireAsync(id, call))));

    public Task<IResult> Update(HttpRequest request, string id) => executor.RunAsync(request, Dialect, ApiRoles.Admin, async call =>
    {
        var existing = await RequireAsync(id, call);
        var body = await call.ReadObjectAsync("url", "events", "description", "enabled");
        var reader = new ValidatingJsonReader();
        if (body.Count == 0) reader.Fault("$", "give at least one of url, events, description, enabled");
        var url = body.ContainsKey("url") ? reader.String(body["url"], "$.url", allowEmpty: false) : null;
        var events = body.ContainsKey("events") ? ReadEvents(body["events"], reader) : null;
        var description = body["description"] is { } d ? reader.String(d, "$.description", options.Value.MaxDescriptionLength) : null;
        var enabled = body.ContainsKey("enabled") ? reader.Boolean(body["enabled"], "$.enabled") : null;
        if (url is not null) await CheckUrlAsync(url, reader, call.Aborted);
        if (reader.Faults.Count > 0) throw ProblemException.Invalid(reader.Faults);

        var now = clock.GetUtcNow();
        var outcome = await store.UpdateSubscriptionAsync(existing.Id, s => s with
        {
            Url = url ?? s.Url,
            Events = events ?? s.Events,
            Description = body.ContainsKey("description") ? description : s.Description,
            Enabled = enabled ?? s.Enabled,
            DisabledReason = enabled is null ? s.DisabledReason : enabled.Value ? null : "disabled by " + call.Principal.Name,
            UpdatedAt = now,
        }, call.Aborted);
        return JsonResponses.Contract(Describe(Changed(outcome, existing.Id)));
    });

    public Task<IResult> Delete(HttpRequest request, string id) => executor.RunAsync(request, Dialect, ApiRoles.Admin, async call =>
    {
        var existing = await RequireAsync(id, call);
        if (!await store.DeleteSubscriptionAsync(existing.Id, call.Aborted)) throw ProblemException.NotFound($"Webhook subscription {existing.Id} does not exist.");
        return (IResult)new EmptyResult(204);
    });

    /// <summary>
    /// A new secret; the previous one keeps signing alongside it for <see cref="WebhooksOptions.SecretRotationOverlapHours"/>,
    /// so receivers can switch without losing a delivery. Rotating again within the overlap retires the oldest secret at once.
    /// </summary>
    public Task<IResult> RotateSecret(HttpRequest request, string id) => executor.RunAsync(request, Dialect, ApiRoles.Admin, async call =>
    {
        var existing = await RequireAsync(id, call);
        await call.ReadJsonAsync(required: false);
        var now = clock.GetUtcNow();
        var secret = WebhookSignatures.NewSecret();
        var expires = now + TimeSpan.FromHours(options.Value.SecretRotationOverlapHours);
        var outcome = await store.UpdateSubscriptionAsync(existing.Id,
            s => s with { PreviousSecret = s.Secret, PreviousSecretExpiresAt = expires, Secret = secret, UpdatedAt = now }, call.Aborted);
        var rotated = Changed(outcome, existing.Id);
        return JsonResponses.Contract(new RotatedWebhookSecret(rotated.Id, rotated.Secret, rotated.PreviousSecretExpiresAt!.Value));
    });

    public Task<IResult> ListDeliveries(HttpRequest request, string id) => executor.RunAsync(request, Dialect, ApiRoles.Admin, async call =>
    {
        var subscription = await RequireAsync(id, call);
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !WebhookStore.IsId(after)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");
        var page = await store.ListDeliveriesAsync(subscription.Id, call.Limit(), after, call.Aborted);
        return JsonResponses.Contract(new Page<WebhookDelivery>(page.Items.Select(i => Describe(i.Delivery, i.Attempts)).ToList(), Cursors.Encode(page.NextCursor)));
    });

    /// <summary>Delivers a finished delivery again, with a fresh attempt budget and the same <c>webhook-id</c>; 202 with the delivery.</summary>
    public Task<IResult> Redeliver(HttpRequest request, string id, string delivery, DurableTaskClient durable) => executor.RunAsync(request, Dialect, ApiRoles.Admin, async call =>
    {
        var subscription = await RequireAsync(id, call);
        if (!WebhookStore.IsId(delivery)) throw ProblemException.BadRequest($"'{ApiCall.Printable(delivery)}' is not a delivery id (32 lowercase hex characters).");
        if (!subscription.Enabled)
            throw ProblemException.Conflict($"Webhook subscription {subscription.Id} is disabled ({subscription.DisabledReason}); enable it with PATCH {{\"enabled\": true}} first.");
        var outcome = await store.UpdateDeliveryAsync(subscription.Id, delivery,
            d => DeliveryStates.IsFinal(d.State) ? d with { State = DeliveryStates.Pending, Reason = null, RunStartAttempt = d.AttemptCount, NextAttemptAt = null } : null,
            call.Aborted);
        var restarted = outcome switch
        {
            DeliveryChange.Changed changed => changed.Delivery,
            DeliveryChange.Declined => throw ProblemException.Conflict($"Delivery {delivery} is still pending; it is redelivered only once it has ended."),
            DeliveryChange.NotFound => throw ProblemException.NotFound($"Webhook subscription {subscription.Id} has no delivery {delivery}."),
            _ => throw ProblemException.Busy($"Delivery {delivery}"),
        };
        await dispatcher.StartAsync(durable, restarted, call.Aborted);
        var current = await store.GetDeliveryAsync(subscription.Id, delivery, call.Aborted) ?? restarted;
        var attempts = await store.ListAttemptsAsync(subscription.Id, delivery, call.Aborted);
        return JsonResponses.Contract(Describe(current, attempts), 202);
    });

    /// <summary>The URL's own rules first; only a URL that passes them is resolved, and every address it resolves to must be allowed.</summary>
    private async Task<Uri?> CheckUrlAsync(string url, ValidatingJsonReader reader, CancellationToken cancellationToken)
    {
        if (policy.CheckUrl(url, out var uri) is { } fault)
        {
            reader.Fault("$.url", fault);
            return null;
        }
        if (await policy.CheckResolvedAsync(uri!, cancellationToken) is { } resolved)
        {
            reader.Fault("$.url", resolved);
            return null;
        }
        return uri;
    }

    private static List<string>? ReadEvents(JsonNode? node, ValidatingJsonReader reader)
    {
        if (node is null) return null;
        var array = reader.Array(node, "$.events");
        if (array is null) return null;
        var faults = reader.Faults.Count;
        if (array.Count == 0) reader.Fault("$.events", $"name at least one event type: {string.Join(", ", EventTypes.All)}");
        if (array.Count > EventTypes.All.Count) reader.Fault("$.events", $"at most {EventTypes.All.Count} entries, one per event type");
        var events = new List<string>();
        for (var i = 0; i < array.Count && i < EventTypes.All.Count + 1; i++)
        {
            var path = ValidatingJsonReader.Index("$.events", i);
            var type = reader.String(array[i], path, 100);
            if (type is null) continue;
            if (!EventTypes.All.Contains(type, StringComparer.Ordinal)) reader.Fault(path, $"unknown event type '{ApiCall.Printable(type)}'; known: {string.Join(", ", EventTypes.All)}");
            else if (events.Contains(type, StringComparer.Ordinal)) reader.Fault(path, $"'{type}' is listed twice");
            else events.Add(type);
        }
        return reader.Faults.Count > faults ? null : events;
    }

    private async Task<WebhookSubscriptionRecord> RequireAsync(string id, ApiCall call)
    {
        if (!WebhookStore.IsId(id)) throw ProblemException.BadRequest($"'{ApiCall.Printable(id)}' is not a webhook subscription id (32 lowercase hex characters).");
        return await store.GetSubscriptionAsync(id, call.Aborted) ?? throw ProblemException.NotFound($"Webhook subscription {id} does not exist.");
    }

    private static WebhookSubscriptionRecord Changed(SubscriptionChange outcome, string id) => outcome switch
    {
        SubscriptionChange.Changed changed => changed.Subscription,
        SubscriptionChange.NotFound => throw ProblemException.NotFound($"Webhook subscription {id} does not exist."),
        _ => throw ProblemException.Busy($"Webhook subscription {id}"),
    };

    private WebhookSubscription Describe(WebhookSubscriptionRecord s) => new(s.Id, s.Url, s.Events, s.Description, s.Enabled, s.DisabledReason, s.CreatedAt, s.CreatedBy,
        s.UpdatedAt, s.PreviousSecretExpiresAt > clock.GetUtcNow() ? s.PreviousSecretExpiresAt : null);

    private static WebhookDelivery Describe(WebhookDeliveryRecord d, IReadOnlyList<WebhookAttemptRecord> attempts) => new(d.Id, d.MessageId, d.EventType, d.CreatedAt, d.State,
        d.State == DeliveryStates.Pending ? d.NextAttemptAt : null, d.Reason,
        attempts.Select(a => new WebhookAttempt(a.Number, a.At, a.Status, a.DurationMs, a.ResponseExcerpt, a.Error)).ToList());
}
