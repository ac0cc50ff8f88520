using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptFunctions.Core.Compatibility.Langfuse;
using PromptFunctions.Core.Compatibility.Phoenix;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Events;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Health;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Models;
using PromptFunctions.Core.Optimization;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Webhooks;
using PromptFunctions.Core.Suites;
using PromptFunctions.Core.Telemetry;

namespace PromptFunctions.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Everything both hosts share, one feature at a time, each with its options validated at start. Hosts add
    /// only their HTTP plumbing (route mapping) and the Durable Task engine.
    /// </summary>
    public static IServiceCollection AddPromptFunctionsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddTelemetryInstruments(configuration);
        services.AddStorage(configuration);
        services.AddHttpApi(configuration);
        services.AddSingleton<HealthApi>();
        services.AddPrompts(configuration);
        services.AddPhoenix();
        services.AddLangfuse();
        services.AddModels(configuration);
        services.AddDatasets(configuration);
        services.AddExperiments(configuration);
        services.AddWebhooks(configuration);
        services.AddSuites(configuration);
        services.AddEvents();
        services.AddOptimization(configuration);
        return services;
    }
}
