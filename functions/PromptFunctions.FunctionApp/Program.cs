using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Hosting;
using PromptFunctions.Core;
using PromptFunctions.Core.Durable;
using PromptFunctions.Core.Web;
using PromptFunctions.Core.Telemetry;

namespace PromptFunctions.FunctionApp;

/// <summary>Composition of the Azure Functions isolated worker; behaviour lives in PromptFunctions.Core.</summary>
public sealed class Program
{
    public static void Main(string[] args) => CreateBuilder(args).Build().Run();

    public static FunctionsApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddPromptFunctionsCore(builder.Configuration);
        builder.Services.AddWebUi(builder.Configuration);
        // The worker's spans continue the host's (host.json telemetryMode OpenTelemetry), one trace per invocation.
        builder.Services.AddPromptFunctionsTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
        // Class-based orchestrators and activities are published as functions by the extension itself.
        builder.ConfigureDurableWorker().AddTasks(registry => registry.AddPromptFunctionsTasks());
        return builder;
    }
}
