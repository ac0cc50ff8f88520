using System.Text.Json.Serialization;

namespace PromptFunctions.Contracts.Webhooks;

/// <summary>The body of <c>POST /api/webhooks</c>.</summary>
/// <param name="Url">Where deliveries are posted: https (http only to loopback on a host running in Development).</param>
/// <param name="Events">Event types to receive, e.g. <c>prompt.version.created</c>; each at most once.</param>
public sealed record CreateWebhookRequest(
    string Url,
    IReadOnlyList<string> Events,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description = null);

/// <summary>The body of <c>PATCH /api/webhooks/{id}</c>: members left out stay as they are; <c>description: null</c> clears it.</summary>
/// <param name="Enabled">True re-enables a subscription that was disabled (by a 410 from the receiver or by a caller).</param>
public sealed record UpdateWebhookRequest(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Events = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Enabled = null);

/// <summary>A subscription as every route but create and rotate answers it: never with its secret.</summary>
/// <param name="DisabledReason">Why deliveries stopped, when <see cref="Enabled"/> is false.</param>
/// <param name="PreviousSecretExpiresAt">Until then deliveries carry a signature with the secret before the last rotation too.</param>
public sealed record WebhookSubscription(
    string Id,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    bool Enabled,
    string? DisabledReason,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>
/// The answer to <c>POST /api/webhooks</c>: the subscription and its signing secret (<c>whsec_...</c>), shown this
/// once; keep it to verify deliveries.
/// </summary>
public sealed record CreatedWebhookSubscription(WebhookSubscription Subscription, string Secret);

/// <summary>The answer to <c>POST /api/webhooks/{id}/rotate-secret</c>: the new secret, shown this once, and until when the old one still signs.</summary>
public sealed record RotatedWebhookSecret(string Id, string Secret, DateTimeOffset PreviousSecretExpiresAt);

/// <summary>One attempt to deliver: when, what the receiver answered (null when it did not answer) and how long it took.</summary>
/// <param name="ResponseExcerpt">The start of the receiver's response body, cut at the configured length.</param>
/// <param name="Error">Why there was no answer: a refused or unreachable address, a timeout.</param>
public sealed record WebhookAttempt(
    int Number,
    DateTimeOffset At,
    int? Status,
    double DurationMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ResponseExcerpt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

/// <summary>One event on its way to one subscription, with every attempt so far.</summary>
/// <param name="MessageId">The <c>webhook-id</c> header: the same on every attempt and redelivery, so receivers can drop duplicates.</param>
/// <param name="State"><c>pending</c> (being delivered or waiting for a retry), <c>delivered</c>, <c>failed</c> (attempts exhausted, or a 410) or <c>cancelled</c> (the subscription was disabled or deleted).</param>
public sealed record WebhookDelivery(
    string Id,
    string MessageId,
    string EventType,
    DateTimeOffset CreatedAt,
    string State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? NextAttemptAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    IReadOnlyList<WebhookAttempt> Attempts);
