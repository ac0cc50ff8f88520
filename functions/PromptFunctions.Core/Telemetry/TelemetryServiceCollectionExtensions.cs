using System.Reflection;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Instrumentation.AspNetCore;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PromptFunctions.Core.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The <c>service.name</c> of both hosts unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string ServiceName = "promptfunctions";

    /// <summary>
    /// The instruments and sampling options the features use (part of <c>AddPromptFunctionsCore</c>). They record
    /// nothing until a host adds the SDK with <see cref="AddPromptFunctionsTelemetry"/>.
    /// </summary>
    public static IServiceCollection AddTelemetryInstruments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.TryAddSingleton<PromptFunctionsMetrics>();
        services.TryAddSingleton<ModelCallMetrics>();
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>>(new TelemetryOptionsValidator(configuration));
        return services;
    }

    /// <summary>
    /// The OpenTelemetry SDK, once, for traces, metrics and logs: PromptFunctions' activity sources and meter, the
    /// incoming and outgoing HTTP calls, the Durable Task SDK's spans, sampling from <see cref="TelemetryOptions"/>,
    /// and the exporters the settings name (<see cref="TelemetrySettings"/>): OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is,
    /// both when both are. With neither, spans are sampled and dropped: nothing is kept or sent.
    /// </summary>
    /// <returns>The builder, for host-specific additions (the Functions worker's defaults) and tests' exporters.</returns>
    public static IOpenTelemetryBuilder AddPromptFunctionsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are read by the default resource; only fill the gap.
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                    resource.AddService(ServiceName, serviceVersion: typeof(TelemetryServiceCollectionExtensions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
            })
            .WithTracing(tracing => tracing
                .AddSource([.. TelemetryNames.Sources])
                .SetSampler(provider => TraceSampling.Sampler(provider.GetRequiredService<IOptions<TelemetryOptions>>().Value))
                .AddProcessor(new PromptAttributesProcessor())
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation(http => http.FilterHttpRequestMessage = request => !TraceSampling.IsGrpc(request.Content?.Headers.ContentType?.MediaType)))
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetryNames.Meter, TelemetryNames.ModelsSource)
                // Requests and connections only: ASP.NET Core's other meters (routing, memory pool) record on every
                // match and buffer rent, which the fetch path pays for and nobody reads.
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddHttpClientInstrumentation())
            .WithLogging(configureBuilder: null, configureOptions: logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            });

        // ASP.NET Core logs two Information records per request ("Request starting", "Request finished"). The request
        // spans and metrics already record every request, and on a host without log levels configured these records
        // were nearly all the fetch benchmark's OTLP traffic. A configuration rule for the OpenTelemetry provider
        // (Logging:OpenTelemetry:LogLevel:Microsoft.AspNetCore) overrides this one.
        services.AddLogging(logging => logging.AddFilter<OpenTelemetryLoggerProvider>("Microsoft.AspNetCore", LogLevel.Warning));
        services.AddOptions<AspNetCoreTraceInstrumentationOptions>()
            .Configure<IOptions<TelemetryOptions>>((aspNet, options) => aspNet.Filter = TraceSampling.RequestFilter(options.Value));

        if (TelemetrySettings.OtlpEndpointOf(configuration) is not null) telemetry.UseOtlpExporter();
        if (TelemetrySettings.ApplicationInsightsOf(configuration) is { } connectionString)
        {
            void Configure(AzureMonitorExporterOptions options)
            {
                options.ConnectionString = connectionString;
                options.Credential = ApplicationInsightsAuthentication.Parse(configuration[TelemetrySettings.ApplicationInsightsAuthentication], out _)?.Credential();
            }
            telemetry.WithTracing(tracing => tracing.AddAzureMonitorTraceExporter(Configure));
            telemetry.WithMetrics(metrics => metrics.AddAzureMonitorMetricExporter(Configure));
            telemetry.WithLogging(logging => logging.AddAzureMonitorLogExporter(Configure));
        }
        return telemetry;
    }
}
