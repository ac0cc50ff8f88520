using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Api;

/// <summary>
/// On the local host only: the test reads every log line through a logger provider it injects, and a provider cannot
/// be injected into the Functions host's worker process (whose logs the host writes as text to its own sinks).
/// </summary>
public sealed class SecretLoggingTests
{
    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Capturing(this, categoryName);

        public void Dispose() { }

        private sealed class Capturing(CapturingProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                owner.Lines.Enqueue($"{category} scope {state}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue($"{category} {logLevel} {formatter(state, exception)} {exception}");
        }
    }

    [Fact]
    public async Task Keys_never_reach_the_logs_even_at_trace_level()
    {
        var provider = new CapturingProvider();
        await using (var host = await LocalHostDriver.StartAsync(configure: builder =>
                     {
                         builder.Logging.SetMinimumLevel(LogLevel.Trace);
                         builder.Services.AddSingleton<ILoggerProvider>(provider);
                     }))
        {
            var prompt = Drivers.PromptName("logs");
            await host.CreateVersionAsync(prompt, Samples.Chat());
            await host.GetAsync($"/api/prompts/{prompt}/tags/production", key: TestKeys.Reader);
            await host.GetAsync($"/api/prompts/{prompt}", key: "an-unknown-secret-key-value");
            await host.PostAsync($"/api/prompts/{prompt}/versions", new JsonObject { ["version"] = Samples.Chat(user: "x") }, key: TestKeys.Reader);
            await host.SendAsync(HttpMethod.Get, $"/api/prompts/{prompt}", key: null, headers: Samples.Header("x-api-key", TestKeys.Writer), contentType: null);
        }

        Assert.NotEmpty(provider.Lines);
        foreach (var secret in new[] { TestKeys.Admin, TestKeys.Reader, TestKeys.Writer, "an-unknown-secret-key-value" })
            Assert.DoesNotContain(provider.Lines, line => line.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Webhook_secrets_and_signatures_never_reach_the_logs_even_at_trace_level()
    {
        var provider = new CapturingProvider();
        await using var receiver = await Webhooks.WebhookReceiver.StartAsync();
        string secret, rotated;
        await using (var host = await LocalHostDriver.StartAsync(Webhooks.WebhookTestHost.ShortRetries(), environment: "Development", configure: builder =>
                     {
                         builder.Logging.SetMinimumLevel(LogLevel.Trace);
                         builder.Services.AddSingleton<ILoggerProvider>(provider);
                     }))
        {
            var created = await host.PostAsync("/api/webhooks", new JsonObject { ["url"] = receiver.Url.ToString(), ["events"] = new JsonArray("prompt.version.created") });
            Assert.Equal(201, created.Status);
            secret = created.Json["secret"]!.GetValue<string>();
            var id = created.Json["subscription"]!["id"]!.GetValue<string>();
            rotated = (await host.PostAsync($"/api/webhooks/{id}/rotate-secret", new JsonObject())).Json["secret"]!.GetValue<string>();
            await host.CreateVersionAsync(Drivers.PromptName("logs"), Samples.Chat());
            await receiver.WaitForAsync(r => r.Count >= 1);
        }

        Assert.NotEmpty(provider.Lines);
        var signature = receiver.Received[0].Signature;
        foreach (var value in new[] { secret, rotated, secret["whsec_".Length..], rotated["whsec_".Length..], signature, signature.Split(' ')[0][3..] })
            Assert.DoesNotContain(provider.Lines, line => line.Contains(value, StringComparison.Ordinal));
    }
}
