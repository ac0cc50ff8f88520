using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Client.Tests;

public sealed class OptionsTests
{
    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddPromptFunctionsClient(builder.Configuration.GetSection(PromptFunctionsClientOptions.DefaultSection));
        return builder.Build();
    }

    [Fact]
    public async Task A_host_with_bad_options_fails_to_start_naming_every_bad_setting()
    {
        using var host = BuildHost(new()
        {
            ["PromptFunctions:BaseUrl"] = "/relative",
            ["PromptFunctions:CacheTtl"] = "00:00:00",
            ["PromptFunctions:CacheSize"] = "0",
            ["PromptFunctions:AttemptTimeout"] = "00:00:20",
            ["PromptFunctions:TotalTimeout"] = "00:00:10",
            ["PromptFunctions:MaxRetryAttempts"] = "11",
            ["PromptFunctions:Fallbacks:support-reply"] = """{"template": [{"role": "wizard", "content": "x"}]}""",
            ["PromptFunctions:Fallbacks:Bad Name"] = "not json",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var failures = string.Join("\n", error.Failures);
        foreach (var setting in new[] { "BaseUrl", "ApiKey", "CacheTtl", "CacheSize", "TotalTimeout", "MaxRetryAttempts" })
            Assert.Contains($"PromptFunctionsClientOptions.{setting} ", failures);
        Assert.DoesNotContain("AttemptTimeout must", failures);
        Assert.Contains("Fallbacks[support-reply] is not a valid version document: $.template[0].role", failures);
        Assert.Contains("Fallbacks[Bad Name] names no valid prompt", failures);
        Assert.Contains("Fallbacks[Bad Name] is not JSON", failures);
    }

    [Fact]
    public async Task A_host_with_good_options_starts_and_binds_every_setting()
    {
        using var host = BuildHost(new()
        {
            ["PromptFunctions:BaseUrl"] = "https://prompts.example.test",
            ["PromptFunctions:ApiKey"] = "key-0123456789abcdef",
            ["PromptFunctions:CacheTtl"] = "00:00:30",
            ["PromptFunctions:CacheSize"] = "50",
            ["PromptFunctions:AttemptTimeout"] = "00:00:04",
            ["PromptFunctions:TotalTimeout"] = "00:00:12",
            ["PromptFunctions:MaxRetryAttempts"] = "0",
            ["PromptFunctions:RetryDelay"] = "00:00:00.250",
            ["PromptFunctions:Fallbacks:support-reply"] = """{"template": [{"role": "system", "content": "Be helpful."}]}""",
        });

        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<PromptFunctionsClientOptions>>().Value;
        Assert.Equal(new Uri("https://prompts.example.test"), options.BaseUrl);
        Assert.Equal(TimeSpan.FromSeconds(30), options.CacheTtl);
        Assert.Equal(50, options.CacheSize);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.RetryDelay);
        Assert.Equal(["support-reply"], options.Fallbacks.Keys);
        Assert.Same(host.Services.GetRequiredService<PromptFunctionsClient>(), host.Services.GetRequiredService<IPromptFunctionsClient>());

        // The timeouts reach the standard resilience handler of the named client.
        var resilience = host.Services.GetRequiredService<IOptionsMonitor<HttpStandardResilienceOptions>>().Get($"{PromptFunctionsClient.HttpClientName}-standard");
        Assert.Equal(TimeSpan.FromSeconds(4), resilience.AttemptTimeout.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(12), resilience.TotalRequestTimeout.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), resilience.Retry.Delay);
        await host.StopAsync();
    }

    [Fact]
    public void The_client_built_without_dependency_injection_validates_its_options()
    {
        using var http = new HttpClient();
        var error = Assert.Throws<OptionsValidationException>(() => new PromptFunctionsClient(http, new PromptFunctionsClientOptions { BaseUrl = new Uri("ftp://x.test") }));
        Assert.Contains(error.Failures, f => f.StartsWith("PromptFunctionsClientOptions.BaseUrl must be an absolute http or https URL", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("PromptFunctionsClientOptions.ApiKey is required", StringComparison.Ordinal));
    }
}
