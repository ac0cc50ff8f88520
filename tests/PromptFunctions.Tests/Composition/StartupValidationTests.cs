using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.AI;
using PromptFunctions.Core.Models;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Composition;

/// <summary>
/// Bad configuration stops the host at start with a message naming the setting, in both in-process hosts. Under the
/// real Functions host the worker ends the same way (its log shows the same OptionsValidationException), but the host
/// keeps restarting it and never reports running, so a test there would cost the whole start timeout (60 s or more).
/// </summary>
public sealed class StartupValidationTests
{
    public static TheoryData<string, string, string, string> BadSettings()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var kind in new[] { Drivers.LocalHost, Drivers.Functions })
        {
            data.Add(kind, "Auth:Keys:0:Roles:0", "superuser", "unknown role 'superuser'");
            data.Add(kind, "Auth:Keys:0:Secret", "short", "at least 16 characters");
            data.Add(kind, "PromptHub:MaxRequestBodyBytes", "10", "MaxRequestBodyBytes");
            data.Add(kind, "Models:main:Provider", "skynet", "Models:main:Provider");
            data.Add(kind, "Storage:PromptsTable", "bad-name!", "PromptsTable");
            data.Add(kind, "Experiments:MaxConcurrency", "0", "Experiments:MaxConcurrency");
            data.Add(kind, "Experiments:DefaultConnection", "missing", "Experiments:DefaultConnection names 'missing'");
            data.Add(kind, "DurableTask:MaxConcurrentActivities", "0", "DurableTask:MaxConcurrentActivities");
            data.Add(kind, "Webhooks:AllowedHosts:0", "10.0.0.0/99", "Webhooks:AllowedHosts:0");
            data.Add(kind, "Webhooks:MaxAttempts", "0", "Webhooks:MaxAttempts");
            data.Add(kind, "Webhooks:FirstRetryDelaySeconds", "30000", "Webhooks:MaxRetryDelaySeconds must not be less");
            data.Add(kind, "Suites:DriftOutputChangeThreshold", "2", "DriftOutputChangeThreshold");
            data.Add(kind, "Suites:RunsTable", "bad-name!", "RunsTable");
            data.Add(kind, "Suites:MaxCandidates", "0", "MaxCandidates");
            data.Add(kind, "Telemetry:ReadTraceSampleRatio", "1.5", "Telemetry:ReadTraceSampleRatio must be between 0 and 1");
            data.Add(kind, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "Authorization=Key", "must contain Authorization=AAD");
            data.Add(kind, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "Authorization=AAD;ClientId=not-a-guid", "ClientId must be a client id");
            data.Add(kind, "OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4317", "OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http(s) URL");
            data.Add(kind, "Hooks:Optimize:Secrets:0", "not-a-secret", "Hooks:Optimize:Secrets:0 must start with 'whsec_'");
            data.Add(kind, "Optimization:MaxConcurrency", "0", "Optimization:MaxConcurrency must be between");
            data.Add(kind, "Optimization:MetaPrompt", "optimizer/meta-prompt", "Optimization:MetaPrompt 'optimizer/meta-prompt'");
        }
        return data;
    }

    [Theory, MemberData(nameof(BadSettings))]
    public async Task Invalid_settings_fail_at_start(string kind, string key, string value, string expectedMessage)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var driver = kind == Drivers.LocalHost
                ? (IApiDriver)await LocalHostDriver.StartAsync(settings)
                : await StartFunctionsAndValidateAsync(settings);
        });
        Assert.Contains(expectedMessage, failure.Message);
    }

    /// <summary>The Functions host runs ValidateOnStart through its hosted-service startup; the driver has no host, so it runs the same startup validator.</summary>
    private static async Task<IApiDriver> StartFunctionsAndValidateAsync(Dictionary<string, string?> settings)
    {
        var driver = await FunctionsDriver.StartAsync(settings);
        try
        {
            driver.Services.GetRequiredService<IStartupValidator>().Validate();
            return driver;
        }
        catch
        {
            await driver.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Model_connections_build_chat_clients_for_every_provider()
    {
        await using var driver = await FunctionsDriver.StartAsync(new Dictionary<string, string?>
        {
            ["Models:openai:Provider"] = "openai",
            ["Models:openai:ApiKey"] = "sk-test",
            ["Models:openai:Model"] = "gpt-4o-mini",
            ["Models:azure:Provider"] = "azure-openai",
            ["Models:azure:Endpoint"] = "https://example.openai.azure.com",
            ["Models:azure:ApiKey"] = "key",
            ["Models:azure:Model"] = "deployment",
            ["Models:local:Provider"] = "openai-compatible",
            ["Models:local:Endpoint"] = "http://127.0.0.1:9/v1",
            ["Models:local:Model"] = "stub",
            ["Models:llama:Provider"] = "ollama",
            ["Models:llama:Endpoint"] = "http://127.0.0.1:11434",
            ["Models:llama:Model"] = "llama3.2",
        });
        driver.Services.GetRequiredService<IStartupValidator>().Validate();
        var connections = driver.Services.GetRequiredService<ModelConnections>();

        foreach (var name in new[] { "openai", "azure", "local", "llama" })
        {
            var client = connections.GetChatClient(name);
            Assert.NotNull(client.GetService<Microsoft.Extensions.AI.ChatClientMetadata>());
        }
        Assert.Equal("stub", connections.GetChatClient("local").GetService<Microsoft.Extensions.AI.ChatClientMetadata>()!.DefaultModelId);
    }

    [Fact]
    public async Task Local_host_runs_the_durable_engine_with_configured_concurrency()
    {
        await using var host = await LocalHostDriver.StartAsync(new Dictionary<string, string?> { ["DurableTask:MaxConcurrentActivities"] = "77" });
        var engine = host.Services.GetRequiredService<LocalHost.ConfigurableConcurrencyOrchestrationService>();
        Assert.Equal(77, engine.MaxConcurrentTaskActivityWorkItems);
        Assert.True(engine.MaxConcurrentTaskOrchestrationWorkItems > Environment.ProcessorCount);
        Assert.NotNull(host.Services.GetRequiredService<DurableTaskClient>());
    }
}
