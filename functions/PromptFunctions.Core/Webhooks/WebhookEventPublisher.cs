using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Durable;
using PromptFunctions.Core.Events;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Webhooks;

/// <summary>
/// Raised when an event enters the outbox, so an in-process dispatcher (the local host's) can fan it out at once
/// instead of at its next tick.
/// </summary>
public sealed class WebhookDispatchSignal : CoalescingSignal;

/// <summary>
/// The delivering <see cref="IEventPublisher"/>: it writes the event, with the exact body every delivery will
/// post, to the outbox in storage (one entity-group transaction) and returns. Fanning out to subscriptions and
/// delivering is the dispatcher's and the delivery orchestrations' work, so the write that caused the event is
/// neither slowed by receivers nor failed by them, and an event in the outbox survives a restart.
/// </summary>
public sealed partial class WebhookEventPublisher(
    WebhookStore store,
    WebhookDispatchSignal signal,
    IOptions<WebhooksOptions> options,
    TimeProvider clock,
    ILogger<WebhookEventPublisher> logger) : IEventPublisher
{
    public async Task PublishAsync(string type, string idempotencyKey, JsonObject data, CancellationToken cancellationToken)
    {
        if (!EventTypes.All.Contains(type, StringComparer.Ordinal))
        {
            LogUnknownType(logger, type);
            return;
        }
        var id = WebhookIds.Event(type, idempotencyKey);
        var now = clock.GetUtcNow();
        var body = JsonResponses.Serialize(new JsonObject
        {
            ["type"] = type,
            ["timestamp"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            ["data"] = data.DeepClone(),
        });
        if (body.Length > options.Value.MaxEventBytes)
        {
            LogTooLarge(logger, type, id, body.Length, options.Value.MaxEventBytes);
            return;
        }
        try
        {
            // Not the caller's token: a client that disconnects after its write committed must not lose the event.
            if (await store.AppendEventAsync(new WebhookEventRecord(id, type, now, body), CancellationToken.None)) signal.Raise();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The change is committed; failing its request now would tell the caller it was not.
            LogOutboxFailed(logger, e, type, id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event type '{Type}' is not one subscribers can ask for; not published")]
    private static partial void LogUnknownType(ILogger logger, string type);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {Type} {EventId} is {Bytes} bytes, over Webhooks:MaxEventBytes ({Max}); not published")]
    private static partial void LogTooLarge(ILogger logger, string type, string eventId, int bytes, int max);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {Type} {EventId} could not be written to the outbox; it will not be delivered")]
    private static partial void LogOutboxFailed(ILogger logger, Exception exception, string type, string eventId);
}
