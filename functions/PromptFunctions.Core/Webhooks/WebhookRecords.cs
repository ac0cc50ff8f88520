namespace PromptFunctions.Core.Webhooks;

/// <summary>A subscription as stored, secrets included: only the store and the delivery activity read them, and no response carries them after create or rotate.</summary>
public sealed record WebhookSubscriptionRecord(
    string Id,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    bool Enabled,
    string? DisabledReason,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset UpdatedAt,
    string Secret,
    string? PreviousSecret,
    DateTimeOffset? PreviousSecretExpiresAt)
{
    /// <summary>The secrets that sign a delivery at <paramref name="now"/>: the current one, and the one before a rotation during its overlap.</summary>
    public IReadOnlyList<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is not null && PreviousSecretExpiresAt > now ? [Secret, PreviousSecret] : [Secret];

    /// <summary>Never print the secrets, not even in a debugger or an exception message.</summary>
    public override string ToString() => $"WebhookSubscription {Id} {Url}";
}

/// <summary>A published event: its <c>webhook-id</c>, type, when it happened and the exact body every delivery posts.</summary>
public sealed record WebhookEventRecord(string Id, string Type, DateTimeOffset OccurredAt, byte[] Body);

public static class DeliveryStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string state) => state is Delivered or Failed or Cancelled;
}

/// <summary>One event on its way to one subscription.</summary>
/// <param name="RunStartAttempt">Attempts made before the current run (a redelivery starts a new run with a fresh budget).</param>
/// <param name="InstanceId">The Durable orchestration that delivers it now; a new one is started when it is gone.</param>
public sealed record WebhookDeliveryRecord(
    string SubscriptionId,
    string Id,
    string MessageId,
    string EventType,
    DateTimeOffset CreatedAt,
    string State,
    string? Reason,
    int AttemptCount,
    int RunStartAttempt,
    DateTimeOffset? NextAttemptAt,
    string? InstanceId,
    int Generation);

public sealed record WebhookAttemptRecord(int Number, DateTimeOffset At, int? Status, double DurationMs, string? ResponseExcerpt, string? Error);

// Storage conditions surface as these outcomes, never as exceptions; Busy means the row kept changing under
// concurrent writers until the optimistic attempts ran out (the API answers 503).

public abstract record CreateSubscriptionOutcome
{
    public sealed record Created(WebhookSubscriptionRecord Subscription) : CreateSubscriptionOutcome;

    public sealed record LimitReached(int Max) : CreateSubscriptionOutcome;
}

public abstract record SubscriptionChange
{
    public sealed record Changed(WebhookSubscriptionRecord Subscription) : SubscriptionChange;

    public sealed record NotFound : SubscriptionChange;

    public sealed record Busy : SubscriptionChange;
}

public abstract record DeliveryChange
{
    public sealed record Changed(WebhookDeliveryRecord Delivery) : DeliveryChange;

    /// <summary>The change did not apply to the delivery as it is (its decision function declined).</summary>
    public sealed record Declined(WebhookDeliveryRecord Delivery) : DeliveryChange;

    public sealed record NotFound : DeliveryChange;

    public sealed record Busy : DeliveryChange;
}
