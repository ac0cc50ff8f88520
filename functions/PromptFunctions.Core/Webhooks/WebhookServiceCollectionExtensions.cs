using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Events;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Outbound events: options (validated at start), the store, the URL policy and sender, the delivering
    /// <see cref="IEventPublisher"/>, the prompt change listener that publishes prompt events, the dispatcher and
    /// the routes. The hosts run the dispatcher: the Functions app from a timer trigger, the local host from
    /// <see cref="WebhookDispatchLoop"/>.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhooksOptions>().Bind(configuration.GetSection(WebhooksOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhooksOptions>, WebhooksOptionsValidator>();
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookUrlPolicy>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookDispatchSignal>();
        // TryAdd: a host (or a test recording what features publish) may bring its own publisher.
        services.TryAddSingleton<IEventPublisher, WebhookEventPublisher>();
        services.AddSingleton<IPromptChangeListener, WebhookPromptListener>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<WebhookDeliverer>();
        services.AddSingleton<WebhooksApi>();
        return services;
    }
}
