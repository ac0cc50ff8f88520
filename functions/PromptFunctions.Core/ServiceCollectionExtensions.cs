using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Configuration;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Http.Phoenix;
using PromptFunctions.Core.Models;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Everything both hosts share: options (validated at start), storage, caches, auth, model connections and
    /// the API handlers. Hosts add only their HTTP plumbing and the Durable Task engine.
    /// </summary>
    public static IServiceCollection AddPromptFunctionsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<PromptHubOptions>().Bind(configuration.GetSection(PromptHubOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.Section))
            .Configure(options =>
            {
                // ConnectionStrings:Storage is the documented setting; the Functions runtime's own storage
                // connection is the fallback so a bare Functions deployment works without extra settings.
                options.ConnectionString = configuration.GetConnectionString("Storage")
                    ?? configuration["AzureWebJobsStorage"]
                    ?? options.ConnectionString;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddOptions<ModelsOptions>().Bind(configuration.GetSection(ModelsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelsOptions>, ModelsOptionsValidator>();

        services.AddSingleton<StorageClients>();
        services.AddSingleton<PromptStore>();
        services.AddSingleton<PromptCatalog>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<ApiExecutor>();
        services.AddSingleton<PromptPublisher>();
        services.AddSingleton<PromptsApi>();
        services.AddSingleton<CallerApi>();
        services.AddSingleton<PhoenixApi>();
        services.AddSingleton<Langfuse.LangfuseExecutor>();
        services.AddSingleton<Langfuse.LangfuseApi>();
        services.AddSingleton<ModelConnections>();
        services.AddDatasets(configuration);

        services.AddOptions<ExperimentsOptions>().Bind(configuration.GetSection(ExperimentsOptions.Section)).ValidateOnStart();
        services.TryAddSingleton<IExperimentScorers, EvaluationScorers>();
        services.TryAddSingleton<IExperimentExamples, DatasetExamples>();
        services.AddSingleton<ExperimentStore>();
        services.AddSingleton<ExperimentEngine>();
        services.AddSingleton<ExperimentRequestReader>();
        services.AddSingleton<ExperimentsApi>();
        services.AddSingleton<PlaygroundApi>();
        return services;
    }
}
