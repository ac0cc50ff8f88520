using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Datasets;

public static class DatasetServiceCollectionExtensions
{
    /// <summary>Dataset options (validated at start), storage, store and API handlers.</summary>
    public static IServiceCollection AddDatasets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatasetOptions>().Bind(configuration.GetSection(DatasetOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DatasetStorage>();
        services.AddSingleton<DatasetStore>();
        services.AddSingleton<DatasetsApi>();
        return services;
    }
}
