using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Auth;

namespace PromptFunctions.Core.Http;

public static class HttpApiServiceCollectionExtensions
{
    /// <summary>What every route shares: request limits, API keys and the envelope.</summary>
    public static IServiceCollection AddHttpApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddSingleton<KeyRateLimiter>();
        services.AddSingleton<Audit.AuditLog>();
        services.AddSingleton<Audit.AuditApi>();
        services.AddSingleton<ApiExecutor>();
        services.AddSingleton<CallerApi>();
        return services;
    }
}
