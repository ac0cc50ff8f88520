using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Experiments;

public static class ExperimentServiceCollectionExtensions
{
    /// <summary>
    /// Experiments and the playground: options (validated at start, against the model connections), the store, the
    /// engine the Durable activities run, and the routes. Scorers and example sources can be replaced (tests do).
    /// </summary>
    public static IServiceCollection AddExperiments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ExperimentsOptions>().Bind(configuration.GetSection(ExperimentsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ExperimentsOptions>, ExperimentsOptionsValidator>();
        services.TryAddSingleton<IExperimentScorers, EvaluationScorers>();
        services.TryAddSingleton<IExperimentExamples, DatasetExamples>();
        services.AddSingleton<ExperimentStore>();
        services.AddSingleton<ExperimentEngine>();
        services.AddSingleton<ExperimentWarmUp>();
        services.AddSingleton<ExperimentEngineWarmUp>();
        services.AddSingleton<ExperimentRequestReader>();
        services.AddSingleton<ExperimentsApi>();
        services.AddSingleton<PlaygroundApi>();
        return services;
    }
}
