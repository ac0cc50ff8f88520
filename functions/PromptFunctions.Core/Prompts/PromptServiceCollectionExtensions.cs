using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PromptFunctions.Core.Prompts;

public static class PromptServiceCollectionExtensions
{
    /// <summary>The prompt hub: options (validated at start), reads, the cache, the one writer and the native routes.</summary>
    public static IServiceCollection AddPrompts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PromptHubOptions>().Bind(configuration.GetSection(PromptHubOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PromptReader>();
        services.AddSingleton<PromptCatalog>();
        services.AddSingleton<PromptService>();
        services.AddSingleton<PromptLookups>();
        services.AddSingleton<PromptsApi>();
        services.AddSingleton<TagsApi>();
        return services;
    }
}
