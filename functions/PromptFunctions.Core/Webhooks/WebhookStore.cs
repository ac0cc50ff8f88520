using System.Net;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Webhooks;

/// <summary>Subscriptions, the event outbox, deliveries and their attempts, in one table (<see cref="WebhookKeys"/>).</summary>
public sealed class WebhookStore(StorageClients clients, IOptions<WebhooksOptions> options)
{
    private readonly TableClient _table = clients.TableService.GetTableClient(options.Value.Table);

    /// <summary>Completes when the table exists. A failure is not kept, so the next call retries.</summary>
    public Task EnsureCreatedAsync()
    {
        lock (_creationLock)
        {
            if (_creation is null || _creation.IsFaulted || _creation.IsCanceled) _creation = _table.CreateIfNotExistsAsync();
            return _creation;
        }
    }

    private readonly Lock _creationLock = new();
    private Task? _creation;

    public static bool IsId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    // Subscriptions

    /// <summary>Stores a new subscription unless there are already <see cref="WebhooksOptions.MaxSubscriptions"/>.</summary>
    public async Task<CreateSubscriptionOutcome> CreateSubscriptionAsync(WebhookSubscriptionRecord subscription, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var max = options.Value.MaxSubscriptions;
        if ((await ListSubscriptionsAsync(max, null, cancellationToken)).Items.Count >= max) return new CreateSubscriptionOutcome.LimitReached(max);
        await _table.AddEntityAsync(SubscriptionEntity.From(subscription), cancellationToken);
        return new CreateSubscriptionOutcome.Created(subscription);
    }

    public async Task<WebhookSubscriptionRecord?> GetSubscriptionAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsId(id)) return null;
        await EnsureCreatedAsync();
        return (await _table.GetOrNullAsync<SubscriptionEntity>(WebhookKeys.Subscriptions, id, cancellationToken))?.ToRecord();
    }

    /// <summary>Subscriptions in id order (ids grow with time, so oldest first); <paramref name="after"/> continues a previous page.</summary>
    public async Task<ResultPage<WebhookSubscriptionRecord>> ListSubscriptionsAsync(int limit, string? after, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {WebhookKeys.Subscriptions}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {WebhookKeys.Subscriptions} and RowKey gt {after}");
        var rows = await _table.QueryAsync<SubscriptionEntity>(filter, maxPerPage: Math.Min(limit + 1, 1000), cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var items = rows.Take(limit).Select(r => r.ToRecord()).ToList();
        return new ResultPage<WebhookSubscriptionRecord>(items, rows.Count > limit ? items[^1].Id : null);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the subscription as it is now, guarded by its ETag (a concurrent change
    /// makes it read and decide again).
    /// </summary>
    public async Task<SubscriptionChange> UpdateSubscriptionAsync(string id, Func<WebhookSubscriptionRecord, WebhookSubscriptionRecord> change, CancellationToken cancellationToken)
    {
        if (!IsId(id)) return new SubscriptionChange.NotFound();
        await EnsureCreatedAsync();
        return await OptimisticConcurrency.RunAsync<SubscriptionChange>(async _ =>
        {
            var current = await _table.GetOrNullAsync<SubscriptionEntity>(WebhookKeys.Subscriptions, id, cancellationToken);
            if (current is null) return OptimisticConcurrency.Finish<SubscriptionChange>(new SubscriptionChange.NotFound());
            var updated = SubscriptionEntity.From(change(current.ToRecord()));
            await _table.UpdateEntityAsync(updated, current.ETag, TableUpdateMode.Replace, cancellationToken);
            return OptimisticConcurrency.Finish<SubscriptionChange>(new SubscriptionChange.Changed(updated.ToRecord()));
        }, () => new SubscriptionChange.Busy(), cancellationToken);
    }

    /// <summary>Deletes the subscription, then (best effort) its delivery history; returns false when it did not exist.</summary>
    public async Task<bool> DeleteSubscriptionAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsId(id)) return false;
        await EnsureCreatedAsync();
        try
        {
            await _table.DeleteEntityAsync(WebhookKeys.Subscriptions, id, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return false;
        }
        // Deliveries still pending end themselves when their next attempt finds the subscription gone.
        var batch = new List<TableTransactionAction>(100);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {WebhookKeys.Deliveries(id)}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
            if (batch.Count == 100)
            {
                await _table.SubmitTransactionAsync(batch, cancellationToken);
                batch.Clear();
            }
        }
        if (batch.Count > 0) await _table.SubmitTransactionAsync(batch, cancellationToken);
        return true;
    }

    // Events and the outbox

    /// <summary>
    /// Stores the event and its outbox entry in one transaction; false when an event with this id was stored
    /// before (the same occurrence published again), in which case nothing is written.
    /// </summary>
    public async Task<bool> AppendEventAsync(WebhookEventRecord e, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        List<TableTransactionAction> actions =
        [
            new(TableTransactionActionType.Add, new EventEntity { RowKey = WebhookKeys.Event(e.Id), EventId = e.Id, Type = e.Type, OccurredAt = e.OccurredAt, Body = e.Body }),
            new(TableTransactionActionType.Add, new EventEntity { RowKey = WebhookKeys.Outbox(e.Id), EventId = e.Id, Type = e.Type, OccurredAt = e.OccurredAt }),
        ];
        try
        {
            await _table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException t) when (t.Status == (int)HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    public async Task<WebhookEventRecord?> GetEventAsync(string id, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var row = await _table.GetOrNullAsync<EventEntity>(WebhookKeys.Events, WebhookKeys.Event(id), cancellationToken);
        return row is null ? null : new WebhookEventRecord(row.EventId, row.Type, row.OccurredAt, row.Body ?? []);
    }

    /// <summary>Events not yet fanned out to deliveries, at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<(WebhookEventRecord Event, ETag ETag)>> ReadOutboxAsync(int max, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {WebhookKeys.Events} and RowKey ge {WebhookKeys.OutboxStart} and RowKey lt {WebhookKeys.OutboxEnd}");
        var rows = await _table.QueryAsync<EventEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).TakeAsync(max, cancellationToken);
        return rows.Select(r => (new WebhookEventRecord(r.EventId, r.Type, r.OccurredAt, []), r.ETag)).ToList();
    }

    /// <summary>Removes a fanned-out event from the outbox; another dispatcher having removed it already is fine.</summary>
    public async Task RemoveFromOutboxAsync(string eventId, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(WebhookKeys.Events, WebhookKeys.Outbox(eventId), etag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.NotFound or (int)HttpStatusCode.PreconditionFailed)
        {
        }
    }

    /// <summary>Removes an event nobody subscribed to, with its outbox entry: there is nothing to deliver or to list.</summary>
    public async Task RemoveUndeliveredEventAsync(string eventId, CancellationToken cancellationToken)
    {
        foreach (var row in new[] { WebhookKeys.Outbox(eventId), WebhookKeys.Event(eventId) })
        {
            try
            {
                await _table.DeleteEntityAsync(WebhookKeys.Events, row, ETag.All, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
            {
            }
        }
    }

    // Deliveries

    /// <summary>
    /// The delivery of <paramref name="e"/> to <paramref name="subscriptionId"/>, created pending (and indexed as
    /// pending first, so no pending delivery is ever missing from the index) unless it exists already.
    /// </summary>
    public async Task<WebhookDeliveryRecord> CreateDeliveryAsync(string subscriptionId, WebhookEventRecord e, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var id = WebhookIds.Delivery(e.Id, e.OccurredAt);
        var existing = await GetDeliveryAsync(subscriptionId, id, cancellationToken);
        if (existing is not null) return existing;
        await _table.UpsertEntityAsync(new PendingEntity { RowKey = WebhookKeys.PendingRow(subscriptionId, id), SubscriptionId = subscriptionId, DeliveryId = id },
            TableUpdateMode.Replace, cancellationToken);
        var record = new WebhookDeliveryRecord(subscriptionId, id, e.Id, e.Type, e.OccurredAt, DeliveryStates.Pending, null, 0, 0, null, null, 0);
        try
        {
            await _table.AddEntityAsync(DeliveryEntity.From(record), cancellationToken);
            return record;
        }
        catch (RequestFailedException x) when (x.Status == (int)HttpStatusCode.Conflict)
        {
            return await GetDeliveryAsync(subscriptionId, id, cancellationToken) ?? record;
        }
    }

    public async Task<WebhookDeliveryRecord?> GetDeliveryAsync(string subscriptionId, string id, CancellationToken cancellationToken)
    {
        if (!IsId(subscriptionId) || !IsId(id)) return null;
        await EnsureCreatedAsync();
        return (await _table.GetOrNullAsync<DeliveryEntity>(WebhookKeys.Deliveries(subscriptionId), id, cancellationToken))?.ToRecord();
    }

    /// <summary>
    /// Applies <paramref name="change"/> (null declines) to the delivery as it is now, guarded by its ETag. A
    /// delivery that becomes final leaves the pending index; one that becomes pending again enters it first.
    /// </summary>
    public async Task<DeliveryChange> UpdateDeliveryAsync(string subscriptionId, string id, Func<WebhookDeliveryRecord, WebhookDeliveryRecord?> change,
        CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var outcome = await OptimisticConcurrency.RunAsync<DeliveryChange>(async _ =>
        {
            var current = await _table.GetOrNullAsync<DeliveryEntity>(WebhookKeys.Deliveries(subscriptionId), id, cancellationToken);
            if (current is null) return OptimisticConcurrency.Finish<DeliveryChange>(new DeliveryChange.NotFound());
            var decided = change(current.ToRecord());
            if (decided is null) return OptimisticConcurrency.Finish<DeliveryChange>(new DeliveryChange.Declined(current.ToRecord()));
            if (!DeliveryStates.IsFinal(decided.State) && DeliveryStates.IsFinal(current.State))
                await _table.UpsertEntityAsync(new PendingEntity { RowKey = WebhookKeys.PendingRow(subscriptionId, id), SubscriptionId = subscriptionId, DeliveryId = id },
                    TableUpdateMode.Replace, cancellationToken);
            var updated = DeliveryEntity.From(decided);
            await _table.UpdateEntityAsync(updated, current.ETag, TableUpdateMode.Replace, cancellationToken);
            return OptimisticConcurrency.Finish<DeliveryChange>(new DeliveryChange.Changed(updated.ToRecord()));
        }, () => new DeliveryChange.Busy(), cancellationToken);
        if (outcome is DeliveryChange.Changed { Delivery: { } changed } && DeliveryStates.IsFinal(changed.State))
            await RemovePendingAsync(subscriptionId, id, cancellationToken);
        return outcome;
    }

    /// <summary>Records an attempt; writing the same attempt again (a retried activity) replaces it.</summary>
    public async Task RecordAttemptAsync(string subscriptionId, string deliveryId, WebhookAttemptRecord attempt, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        await _table.UpsertEntityAsync(new AttemptEntity
        {
            PartitionKey = WebhookKeys.Deliveries(subscriptionId),
            RowKey = WebhookKeys.Attempt(deliveryId, attempt.Number),
            Number = attempt.Number,
            At = attempt.At,
            Status = attempt.Status,
            DurationMs = attempt.DurationMs,
            ResponseExcerpt = attempt.ResponseExcerpt,
            Error = attempt.Error,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Deliveries newest first, each with its attempts in order; <paramref name="after"/> continues a previous page.</summary>
    public async Task<ResultPage<(WebhookDeliveryRecord Delivery, IReadOnlyList<WebhookAttemptRecord> Attempts)>> ListDeliveriesAsync(string subscriptionId, int limit,
        string? after, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var partition = WebhookKeys.Deliveries(subscriptionId);
        // '~' sorts after every attempt key of the last delivery ("<id>|00001"), so the next page starts with the next delivery.
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {after + "|~"}");
        var items = new List<(WebhookDeliveryRecord, IReadOnlyList<WebhookAttemptRecord>)>();
        WebhookDeliveryRecord? delivery = null;
        var attempts = new List<WebhookAttemptRecord>();
        string? next = null;
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (!row.RowKey.Contains('|', StringComparison.Ordinal))
            {
                if (delivery is not null) items.Add((delivery, attempts));
                delivery = null;
                attempts = [];
                if (items.Count == limit)
                {
                    next = items[^1].Item1.Id;
                    break;
                }
                delivery = ToDelivery(row);
            }
            else if (delivery is not null)
            {
                attempts.Add(ToAttempt(row));
            }
        }
        if (delivery is not null) items.Add((delivery, attempts));
        return new ResultPage<(WebhookDeliveryRecord, IReadOnlyList<WebhookAttemptRecord>)>(items, next);
    }

    private static WebhookDeliveryRecord ToDelivery(TableEntity row) => new(
        row.GetString(nameof(DeliveryEntity.SubscriptionId)), row.RowKey, row.GetString(nameof(DeliveryEntity.MessageId)), row.GetString(nameof(DeliveryEntity.EventType)),
        row.GetDateTimeOffset(nameof(DeliveryEntity.CreatedAt)) ?? default, row.GetString(nameof(DeliveryEntity.State)), row.GetString(nameof(DeliveryEntity.Reason)),
        row.GetInt32(nameof(DeliveryEntity.AttemptCount)) ?? 0, row.GetInt32(nameof(DeliveryEntity.RunStartAttempt)) ?? 0,
        row.GetDateTimeOffset(nameof(DeliveryEntity.NextAttemptAt)), row.GetString(nameof(DeliveryEntity.InstanceId)), row.GetInt32(nameof(DeliveryEntity.Generation)) ?? 0);

    private static WebhookAttemptRecord ToAttempt(TableEntity row) => new(
        row.GetInt32(nameof(AttemptEntity.Number)) ?? 0, row.GetDateTimeOffset(nameof(AttemptEntity.At)) ?? default, row.GetInt32(nameof(AttemptEntity.Status)),
        row.GetDouble(nameof(AttemptEntity.DurationMs)) ?? 0, row.GetString(nameof(AttemptEntity.ResponseExcerpt)), row.GetString(nameof(AttemptEntity.Error)));

    /// <summary>The attempts of one delivery, in order.</summary>
    public async Task<IReadOnlyList<WebhookAttemptRecord>> ListAttemptsAsync(string subscriptionId, string deliveryId, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {WebhookKeys.Deliveries(subscriptionId)} and RowKey gt {deliveryId + "|"} and RowKey lt {deliveryId + "}"}");
        var attempts = new List<WebhookAttemptRecord>();
        await foreach (var row in _table.QueryAsync<AttemptEntity>(filter, cancellationToken: cancellationToken)) attempts.Add(row.ToRecord());
        return attempts;
    }

    /// <summary>
    /// Removes finished deliveries created before <paramref name="cutoff"/> with their attempts, and events that
    /// occurred before it. A pending delivery is kept however old; if it is redelivered after its event is gone,
    /// its next attempt fails saying so.
    /// </summary>
    public async Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var removed = 0;
        foreach (var subscription in (await ListSubscriptionsAsync(options.Value.MaxSubscriptions, null, cancellationToken)).Items)
        {
            var partition = WebhookKeys.Deliveries(subscription.Id);
            var old = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and CreatedAt lt {cutoff}");
            await foreach (var delivery in _table.QueryAsync<DeliveryEntity>(old, cancellationToken: cancellationToken))
            {
                if (!DeliveryStates.IsFinal(delivery.State)) continue;
                var rows = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {delivery.RowKey} and RowKey lt {delivery.RowKey + "}"}");
                var keys = await _table.QueryAsync<TableEntity>(rows, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).TakeAsync(int.MaxValue, cancellationToken);
                foreach (var batch in keys.Chunk(100))
                    await _table.SubmitTransactionAsync(batch.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, k, ETag.All)), cancellationToken);
                removed++;
            }
        }
        var events = TableClient.CreateQueryFilter(
            $"PartitionKey eq {WebhookKeys.Events} and RowKey ge {WebhookKeys.Event("")} and RowKey lt {"e}"} and OccurredAt lt {cutoff}");
        await foreach (var e in _table.QueryAsync<TableEntity>(events, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            try
            {
                await _table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
            }
            catch (RequestFailedException x) when (x.Status == (int)HttpStatusCode.NotFound)
            {
            }
        }
        return removed;
    }

    /// <summary>Every delivery the pending index lists, at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<(string SubscriptionId, string DeliveryId)>> ReadPendingAsync(int max, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {WebhookKeys.Pending}");
        var rows = await _table.QueryAsync<PendingEntity>(filter, cancellationToken: cancellationToken).TakeAsync(max, cancellationToken);
        return rows.Select(r => (r.SubscriptionId, r.DeliveryId)).ToList();
    }

    public async Task RemovePendingAsync(string subscriptionId, string deliveryId, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(WebhookKeys.Pending, WebhookKeys.PendingRow(subscriptionId, deliveryId), ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
        }
    }
}
