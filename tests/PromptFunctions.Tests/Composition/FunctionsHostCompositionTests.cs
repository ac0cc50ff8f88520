using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptFunctions.Core.Http;
using PromptFunctions.FunctionApp.Triggers;
using PromptFunctions.Tests.Infrastructure;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Tests.Composition;

/// <summary>
/// The Functions app's own composition (FunctionsApplication builder, DurableTask extension) builds and resolves
/// every trigger class. A real Functions host cannot run here, so this is the closest check of Program.cs.
/// </summary>
public sealed class FunctionsHostCompositionTests
{
    [Fact]
    public async Task Functions_program_builds_and_resolves_the_triggers()
    {
        var storage = await TestStorage.CreateAsync();
        var builder = FunctionApp.Program.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(storage.Configuration());
        builder.Configuration.AddInMemoryCollection(TestKeys.Configuration());
        // Where the Functions host would listen for its worker; nothing connects because the host is never started.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9" });
        using var host = builder.Build();

        var triggers = ActivatorUtilities.CreateInstance<PromptTriggers>(host.Services);
        Assert.NotNull(triggers);
        Assert.NotNull(host.Services.GetRequiredService<PromptsApi>());
        var hosted = host.Services.GetServices<IHostedService>().Select(s => s.GetType().FullName).ToList();
        Assert.Contains(hosted, name => name!.StartsWith("Microsoft.Azure.Functions.Worker.Extensions.DurableTask", StringComparison.Ordinal));
        Assert.Contains("Microsoft.AspNetCore.Hosting.GenericWebHostService", hosted);
        host.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
    }

    [Fact]
    public async Task Functions_program_registers_the_opentelemetry_sdk_once_with_the_worker_defaults()
    {
        var storage = await TestStorage.CreateAsync();
        var builder = FunctionApp.Program.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(storage.Configuration());
        builder.Configuration.AddInMemoryCollection(TestKeys.Configuration());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9" });
        using var host = builder.Build();

        Assert.NotNull(host.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
        Assert.NotNull(host.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
        Assert.Single(host.Services.GetServices<IHostedService>(), s => s.GetType().Name == "TelemetryHostedService");
        // UseFunctionsWorkerDefaults: the worker's invocation spans continue the Functions host's trace.
        Assert.Contains(builder.Services, d => d.ServiceType.Assembly.GetName().Name == "Microsoft.Azure.Functions.Worker.OpenTelemetry"
                                               || d.ImplementationType?.Assembly.GetName().Name == "Microsoft.Azure.Functions.Worker.OpenTelemetry");
    }

    /// <summary>
    /// Class-based orchestrators and activities become functions through the Durable extension's metadata
    /// transformer, which the Functions host asks for the app's function list. The extension's startup runs only
    /// when the Functions app is the entry assembly, so the test invokes it as the host would.
    /// </summary>
    [Fact]
    public async Task Every_registered_durable_task_is_published_as_a_function()
    {
        var storage = await TestStorage.CreateAsync();
        var builder = FunctionApp.Program.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(storage.Configuration());
        builder.Configuration.AddInMemoryCollection(TestKeys.Configuration());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9" });
        new Microsoft.Azure.Functions.Worker.Extensions.DurableTask.DurableTaskExtensionStartup().Configure(builder);
        using var host = builder.Build();

        var published = new List<Microsoft.Azure.Functions.Worker.Core.FunctionMetadata.IFunctionMetadata>();
        foreach (var transformer in host.Services.GetServices<Microsoft.Azure.Functions.Worker.Core.FunctionMetadata.IFunctionMetadataTransformer>())
            transformer.Transform(published);

        string[] orchestrators = [nameof(Core.Experiments.RunExperimentOrchestrator), nameof(Core.Webhooks.DeliverWebhookOrchestrator), nameof(Core.Suites.RunSuiteOrchestrator),
            nameof(Core.Optimization.RunOptimizationOrchestrator), nameof(Core.Experiments.WarmUpOrchestrator)];
        var expected = orchestrators
            .Concat(new[] { nameof(Core.Experiments.RunExperimentBatchActivity),
                nameof(Core.Experiments.FinalizeExperimentActivity), nameof(Core.Experiments.FailExperimentActivity),
                nameof(Core.Webhooks.AttemptWebhookDeliveryActivity),
                nameof(Core.Suites.PrepareSuiteRunActivity), nameof(Core.Suites.CompleteSuiteRunActivity), nameof(Core.Suites.FailSuiteRunActivity),
                nameof(Core.Optimization.StartOptimizationActivity), nameof(Core.Optimization.EvaluateOptimizationActivity),
                nameof(Core.Optimization.ProposeCandidatesActivity), nameof(Core.Optimization.RecordOptimizationRoundActivity),
                nameof(Core.Optimization.FinishOptimizationActivity), nameof(Core.Optimization.FailOptimizationActivity),
                nameof(Core.Experiments.WarmUpActivity) })
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, published.Select(f => f.Name!).Order(StringComparer.Ordinal));
        Assert.All(published.Where(f => orchestrators.Contains(f.Name)), f => Assert.Contains(f.RawBindings!, b => b.Contains("orchestrationTrigger", StringComparison.Ordinal)));
        Assert.All(published.Where(f => !orchestrators.Contains(f.Name)), f => Assert.Contains(f.RawBindings!, b => b.Contains("activityTrigger", StringComparison.Ordinal)));
    }
}
