using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PromptFunctions.Core.Suites;

public static class SuiteServiceCollectionExtensions
{
    /// <summary>Regression suites: options (validated at start), storage, store, the run launcher and scheduler, the starter of optimizations that regressed runs ask for, the runner the Durable activities call, and the routes.</summary>
    public static IServiceCollection AddSuites(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SuitesOptions>().Bind(configuration.GetSection(SuitesOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SuiteStorage>();
        services.AddSingleton<SuiteStore>();
        services.AddSingleton<SuiteOptimizationOption>();
        services.AddSingleton<SuiteRequestReader>();
        services.AddSingleton<SuiteRunLauncher>();
        services.AddSingleton<SuiteScheduler>();
        services.AddSingleton<SuiteOptimizationSignal>();
        services.AddSingleton<SuiteOptimizationLauncher>();
        services.AddSingleton<SuiteRunner>();
        services.AddSingleton<SuitesApi>();
        return services;
    }
}
