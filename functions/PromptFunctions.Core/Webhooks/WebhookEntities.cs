using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace PromptFunctions.Core.Webhooks;

/// <summary>
/// Row layout of the webhooks table. Subscriptions share one partition (they are few and listed together);
/// events and the outbox share another, so an event and its outbox entry are written in one transaction; each
/// subscription's deliveries and their attempts share a partition, each attempt keyed right after its delivery;
/// deliveries not yet final are indexed in their own partition so a restart finds them without a scan.
/// </summary>
internal static class WebhookKeys
{
    public const string Subscriptions = "subscriptions";
    public const string Events = "events";
    public const string Pending = "pending";

    public static string Event(string id) => $"e|{id}";
    public static string Outbox(string id) => $"o|{id}";
    public const string OutboxStart = "o|";
    public const string OutboxEnd = "o}";

    public static string Deliveries(string subscriptionId) => $"d|{subscriptionId}";
    public static string Attempt(string deliveryId, int number) => $"{deliveryId}|{number.ToString("D5", CultureInfo.InvariantCulture)}";
    public static string PendingRow(string subscriptionId, string deliveryId) => $"{subscriptionId}|{deliveryId}";
}

internal sealed class SubscriptionEntity : ITableEntity
{
    public string PartitionKey { get; set; } = WebhookKeys.Subscriptions;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Url { get; set; } = "";
    /// <summary>Event types, comma-separated (types never contain commas).</summary>
    public string Events { get; set; } = "";
    public string? Description { get; set; }
    public bool Enabled { get; set; }
    public string? DisabledReason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
    public string Secret { get; set; } = "";
    public string? PreviousSecret { get; set; }
    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }

    public WebhookSubscriptionRecord ToRecord() => new(RowKey, Url, Events.Split(',', StringSplitOptions.RemoveEmptyEntries), Description, Enabled, DisabledReason,
        CreatedAt, CreatedBy, UpdatedAt, Secret, PreviousSecret, PreviousSecretExpiresAt);

    public static SubscriptionEntity From(WebhookSubscriptionRecord r) => new()
    {
        RowKey = r.Id, Url = r.Url, Events = string.Join(',', r.Events), Description = r.Description, Enabled = r.Enabled, DisabledReason = r.DisabledReason,
        CreatedAt = r.CreatedAt, CreatedBy = r.CreatedBy, UpdatedAt = r.UpdatedAt, Secret = r.Secret, PreviousSecret = r.PreviousSecret,
        PreviousSecretExpiresAt = r.PreviousSecretExpiresAt,
    };
}

/// <summary>An event (<c>e|id</c>, kept: it deduplicates republishing and holds the body) or its outbox entry (<c>o|id</c>, removed once fanned out).</summary>
internal sealed class EventEntity : ITableEntity
{
    public string PartitionKey { get; set; } = WebhookKeys.Events;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string EventId { get; set; } = "";
    public string Type { get; set; } = "";
    public DateTimeOffset OccurredAt { get; set; }
    public byte[]? Body { get; set; }
}

internal sealed class DeliveryEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string SubscriptionId { get; set; } = "";
    public string MessageId { get; set; } = "";
    public string EventType { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string State { get; set; } = DeliveryStates.Pending;
    public string? Reason { get; set; }
    public int AttemptCount { get; set; }
    public int RunStartAttempt { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public string? InstanceId { get; set; }
    public int Generation { get; set; }

    public WebhookDeliveryRecord ToRecord() => new(SubscriptionId, RowKey, MessageId, EventType, CreatedAt, State, Reason, AttemptCount, RunStartAttempt,
        NextAttemptAt, InstanceId, Generation);

    public static DeliveryEntity From(WebhookDeliveryRecord r) => new()
    {
        PartitionKey = WebhookKeys.Deliveries(r.SubscriptionId), RowKey = r.Id, SubscriptionId = r.SubscriptionId, MessageId = r.MessageId,
        EventType = r.EventType, CreatedAt = r.CreatedAt, State = r.State, Reason = r.Reason, AttemptCount = r.AttemptCount,
        RunStartAttempt = r.RunStartAttempt, NextAttemptAt = r.NextAttemptAt, InstanceId = r.InstanceId, Generation = r.Generation,
    };
}

internal sealed class AttemptEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public int Number { get; set; }
    public DateTimeOffset At { get; set; }
    public int? Status { get; set; }
    public double DurationMs { get; set; }
    public string? ResponseExcerpt { get; set; }
    public string? Error { get; set; }

    public WebhookAttemptRecord ToRecord() => new(Number, At, Status, DurationMs, ResponseExcerpt, Error);
}

internal sealed class PendingEntity : ITableEntity
{
    public string PartitionKey { get; set; } = WebhookKeys.Pending;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string SubscriptionId { get; set; } = "";
    public string DeliveryId { get; set; } = "";
}
