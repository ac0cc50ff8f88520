using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Webhooks;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for the webhook routes, and the timer that dispatches published events to their deliveries.</summary>
public sealed class WebhookTriggers(WebhooksApi api, WebhookDispatcher dispatcher)
{
    /// <summary>
    /// The Functions app has no Durable client outside a binding, so events wait in the outbox until this tick
    /// (every 10 seconds) fans them out and starts their delivery orchestrations.
    /// </summary>
    public const string DispatchSchedule = "*/10 * * * * *";

    [Function("DispatchWebhooks")]
    public Task Dispatch([TimerTrigger(DispatchSchedule)] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        dispatcher.DispatchAsync(durable, cancellationToken);

    [Function("CreateWebhook")]
    public Task<IResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRoutes.Webhooks)] HttpRequest request) =>
        api.Create(request);

    [Function("ListWebhooks")]
    public Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebhookRoutes.Webhooks)] HttpRequest request) =>
        api.List(request);

    [Function("GetWebhook")]
    public Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebhookRoutes.Webhook)] HttpRequest request, string id) =>
        api.Get(request, id);

    [Function("UpdateWebhook")]
    public Task<IResult> Update([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = WebhookRoutes.Webhook)] HttpRequest request, string id) =>
        api.Update(request, id);

    [Function("DeleteWebhook")]
    public Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = WebhookRoutes.Webhook)] HttpRequest request, string id) =>
        api.Delete(request, id);

    [Function("ListWebhookDeliveries")]
    public Task<IResult> ListDeliveries([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebhookRoutes.Deliveries)] HttpRequest request, string id) =>
        api.ListDeliveries(request, id);

    [Function("RedeliverWebhook")]
    public Task<IResult> Redeliver([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRoutes.Redeliver)] HttpRequest request, string id, string delivery,
        [DurableClient] DurableTaskClient durable) =>
        api.Redeliver(request, id, delivery, durable);

    [Function("RotateWebhookSecret")]
    public Task<IResult> RotateSecret([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRoutes.RotateSecret)] HttpRequest request, string id) =>
        api.RotateSecret(request, id);
}
