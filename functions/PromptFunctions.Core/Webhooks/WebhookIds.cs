using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PromptFunctions.Core.Webhooks;

/// <summary>How events, deliveries and subscriptions are named.</summary>
public static class WebhookIds
{
    /// <summary>
    /// The <c>webhook-id</c> of an occurrence: derived from its type and the publisher's idempotency key, so
    /// publishing the same occurrence twice (a retried activity, a replayed orchestration) yields the same id and
    /// the second is dropped.
    /// </summary>
    public static string Event(string type, string idempotencyKey) =>
        "msg_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{type}\n{idempotencyKey}")))[..32];

    /// <summary>
    /// 32 hex characters: the event's time inverted (so a subscription's deliveries list newest first) and a hash
    /// of the event id. Deterministic, so fanning an event out twice creates its delivery once.
    /// </summary>
    public static string Delivery(string eventId, DateTimeOffset occurredAt) =>
        (long.MaxValue - occurredAt.UtcTicks).ToString("x16", CultureInfo.InvariantCulture) +
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)))[..16];

    /// <summary>Time-ordered, so subscriptions list in creation order.</summary>
    public static string Subscription(DateTimeOffset now) => Guid.CreateVersion7(now).ToString("N");
}
