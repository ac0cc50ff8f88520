using Microsoft.DurableTask.Client;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Webhooks;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="WebhookRoutes"/>, as the Functions app's WebhookTriggers do.</summary>
internal static class WebhookEndpoints
{
    /// <summary>The in-process engine's client stands in for the Functions <c>[DurableClient]</c> binding.</summary>
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<WebhooksApi>();
        var durable = services.GetRequiredService<DurableTaskClient>();
        var routes = WebhookRoutes.All;
        endpoints.Map(routes, "CreateWebhook", (HttpRequest r) => h.Create(r));
        endpoints.Map(routes, "ListWebhooks", (HttpRequest r) => h.List(r));
        endpoints.Map(routes, "GetWebhook", (HttpRequest r, string id) => h.Get(r, id));
        endpoints.Map(routes, "UpdateWebhook", (HttpRequest r, string id) => h.Update(r, id));
        endpoints.Map(routes, "DeleteWebhook", (HttpRequest r, string id) => h.Delete(r, id));
        endpoints.Map(routes, "ListWebhookDeliveries", (HttpRequest r, string id) => h.ListDeliveries(r, id));
        endpoints.Map(routes, "RedeliverWebhook", (HttpRequest r, string id, string delivery) => h.Redeliver(r, id, delivery, durable));
        endpoints.Map(routes, "RotateWebhookSecret", (HttpRequest r, string id) => h.RotateSecret(r, id));
    }
}
