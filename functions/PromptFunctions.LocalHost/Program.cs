using PromptFunctions.Core;
using PromptFunctions.Core.Durable;
using PromptFunctions.Core.Web;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Webhooks;
using PromptFunctions.Core.Suites;
using PromptFunctions.Core.Telemetry;
using PromptFunctions.Core.Optimization;

namespace PromptFunctions.LocalHost;

/// <summary>
/// Runs the Functions app's handlers and Durable tasks as a plain ASP.NET Core app over Azurite, for machines
/// without Azure Functions Core Tools. Composition only: behaviour lives in PromptFunctions.Core.
/// </summary>
public sealed class Program
{
    public static void Main(string[] args) => CreateApp(args).Run();

    public static WebApplication CreateApp(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Callers (tests, benchmarks) adjust configuration first, so every setting read below sees their values;
        // services they register win over the defaults registered here with TryAdd.
        configure?.Invoke(builder);
        builder.Services.AddPromptFunctionsCore(builder.Configuration);
        builder.Services.AddWebUi(builder.Configuration);
        builder.Services.AddPromptFunctionsTelemetry(builder.Configuration);
        var durable = builder.Configuration.GetSection(LocalDurableTaskOptions.Section).Get<LocalDurableTaskOptions>() ?? new LocalDurableTaskOptions();
        builder.Services.AddLocalDurableTaskEngine(durable, registry => registry.AddPromptFunctionsTasks());
        // After the engine, so its sidecar is up when the first pass asks it for orchestrations.
        if (builder.Configuration.GetSection(ExperimentsOptions.Section).Get<ExperimentsOptions>()?.WarmUpAtStart ?? true)
            builder.Services.AddHostedService<WarmUpService>();
        builder.Services.AddHostedService<WebhookDispatchLoop>();
        if (builder.Configuration.GetSection(SuitesOptions.Section).Get<SuitesOptions>()?.SchedulerEnabled ?? true)
            builder.Services.AddHostedService<SuiteSchedulerService>();
        builder.Services.AddHostedService<SuiteOptimizationStartService>();
        // The in-memory engine forgets orchestrations when the process stops; optimization runs resume from their checkpoints.
        builder.Services.AddHostedService<OptimizationRecoveryService>();

        var app = builder.Build();
        // Bodiless errors of the routing layer itself (unknown route, wrong method) still answer problem+json.
        app.Use(RoutingProblems.Middleware);
        app.MapPromptFunctionsApi();
        app.MapWebUi();
        return app;
    }
}
