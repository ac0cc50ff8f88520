using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using PromptFunctions.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="IPromptFunctionsClient"/>.</summary>
public static class PromptFunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="IPromptFunctionsClient"/> (and <see cref="PromptFunctionsClient"/>) on a
    /// named <see cref="HttpClient"/> with the standard resilience handler, whose timeouts and retries come from the
    /// options. The options are validated when the host starts.
    /// </summary>
    /// <returns>The HTTP client builder, to add handlers (they run inside the resilience handler, once per attempt).</returns>
    public static IHttpClientBuilder AddPromptFunctionsClient(this IServiceCollection services, Action<PromptFunctionsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<PromptFunctionsClientOptions>().Configure(configure);
        return AddCore(services);
    }

    /// <summary>The same, with options bound from a configuration section such as <c>configuration.GetSection("PromptFunctions")</c>.</summary>
    /// <inheritdoc cref="AddPromptFunctionsClient(IServiceCollection, Action{PromptFunctionsClientOptions})"/>
    public static IHttpClientBuilder AddPromptFunctionsClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PromptFunctionsClientOptions>().Bind(configuration);
        return AddCore(services);
    }

    private static IHttpClientBuilder AddCore(IServiceCollection services)
    {
        services.AddOptions<PromptFunctionsClientOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PromptFunctionsClientOptions>, PromptFunctionsClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new PromptFunctionsClient(
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<IOptions<PromptFunctionsClientOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<PromptFunctionsClient>>()));
        services.TryAddSingleton<IPromptFunctionsClient>(sp => sp.GetRequiredService<PromptFunctionsClient>());

        var builder = services.AddHttpClient(PromptFunctionsClient.HttpClientName)
            // The resilience handler enforces the timeouts; HttpClient's own 100 s default must not cut in first.
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddStandardResilienceHandler().Configure((resilience, sp) =>
        {
            PromptFunctionsClientOptions options;
            try
            {
                options = sp.GetRequiredService<IOptions<PromptFunctionsClientOptions>>().Value;
            }
            catch (OptionsValidationException)
            {
                // Reported by the client's own validation at start; failing here too would only repeat it.
                return;
            }
            resilience.AttemptTimeout.Timeout = options.AttemptTimeout;
            resilience.TotalRequestTimeout.Timeout = options.TotalTimeout;
            // The handler requires a sampling window of at least twice the attempt timeout.
            var twice = options.AttemptTimeout * 2;
            if (resilience.CircuitBreaker.SamplingDuration < twice) resilience.CircuitBreaker.SamplingDuration = twice;
            resilience.Retry.Delay = options.RetryDelay;
            if (options.MaxRetryAttempts > 0)
            {
                resilience.Retry.MaxRetryAttempts = options.MaxRetryAttempts;
            }
            else
            {
                // The retry strategy needs at least one attempt configured; handling nothing turns it off.
                resilience.Retry.ShouldHandle = static _ => PredicateResult.False();
            }
        });
        return builder;
    }
}
