using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Models;

public static class ModelServiceCollectionExtensions
{
    /// <summary>Named model connections (<c>Models:&lt;name&gt;</c>, validated at start) and the chat client pipelines built from them.</summary>
    public static IServiceCollection AddModels(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ModelsOptions>().Bind(configuration.GetSection(ModelsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelsOptions>, ModelsOptionsValidator>();
        services.AddOptions<ModelLimitsOptions>().Bind(configuration.GetSection(ModelLimitsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ModelCallsInFlight>();
        services.AddSingleton<ModelConnections>();
        return services;
    }
}
