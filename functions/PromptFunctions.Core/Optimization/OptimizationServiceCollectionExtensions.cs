using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Optimization;

public static class OptimizationServiceCollectionExtensions
{
    /// <summary>
    /// Optimization runs: options and hook secrets (validated at start), the store, the loop's services the Durable
    /// activities use, the starter (also for suites) and the routes. Needs AddPrompts, AddExperiments and AddEvents.
    /// </summary>
    public static IServiceCollection AddOptimization(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OptimizationOptions>().Bind(configuration.GetSection(OptimizationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OptimizationOptions>, OptimizationOptionsValidator>();
        services.AddOptions<OptimizeHookOptions>().Bind(configuration.GetSection(OptimizeHookOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OptimizeHookOptions>, OptimizeHookOptionsValidator>();
        services.AddSingleton<OptimizationStore>();
        services.AddSingleton<OptimizationExamples>();
        services.AddSingleton<OptimizationRequestReader>();
        services.TryAddSingleton<IOptimizationStarter, OptimizationStarter>();
        services.AddSingleton<StandardWebhookVerifier>();
        services.AddSingleton<MetaPrompt>();
        services.AddSingleton<OptimizationEvaluator>();
        services.AddSingleton<OptimizationProposer>();
        services.AddSingleton<OptimizationRunner>();
        services.AddSingleton<OptimizationFinisher>();
        services.AddSingleton<OptimizationRecovery>();
        services.AddSingleton<OptimizationsApi>();
        return services;
    }
}
