using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PromptFunctions.Core.Prompts;

public static class PromptServiceCollectionExtensions
{
    /// <summary>The prompt hub: options (validated at start), reads, the cache, the one writer and the native routes.</summary>
    public static IServiceCollection AddPrompts(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(PromptHubOptions.Section);
        services.AddOptions<PromptHubOptions>()
            .Bind(section)
            .PostConfigure(options =>
            {
                if (!section.GetSection(nameof(PromptHubOptions.ProtectedTags)).Exists()) options.ProtectedTags = [PromptHubOptions.DefaultProtectedTag];
                options.ProtectedTags = options.ProtectedTags.Distinct(StringComparer.Ordinal).ToList();
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<PromptReader>();
        services.AddSingleton<PromptCatalog>();
        services.AddSingleton<PromptService>();
        services.AddSingleton<PromptLookups>();
        services.AddSingleton<PromptsApi>();
        services.AddSingleton<TagsApi>();
        return services;
    }
}
