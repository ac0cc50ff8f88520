using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Experiments;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Telemetry;

/// <summary>Everything exported (spans, logs at trace level, metrics) is scanned for every secret the host holds.</summary>
public sealed class TelemetrySecretsTests
{
    private const string ModelKey = "sk-model-secret-5b1e0c7d9a4f4e21";
    private const string UnknownKey = "pf-unknown-secret-3c9d1f0a7e";

    [Fact]
    public async Task No_api_key_model_key_or_storage_key_appears_in_any_span_log_or_metric()
    {
        var capture = new TelemetryCapture();
        await using var model = await StubModelServer.StartAsync(request => request.LastUserText.Contains("fail", StringComparison.Ordinal)
            ? StubReply.Error(401)
            : StubModelServer.DefaultResponder(request));
        var settings = new Dictionary<string, string?>
        {
            ["Models:stub:Provider"] = "openai-compatible",
            ["Models:stub:Endpoint"] = model.Endpoint.ToString(),
            ["Models:stub:Model"] = "stub-model",
            ["Models:stub:ApiKey"] = ModelKey,
            ["Models:stub:MaxRetries"] = "0",
            ["Experiments:Prices:stub-model:InputPerMillionTokens"] = "1",
            // Every trace recorded, so nothing escapes the scan by not being sampled.
            ["Telemetry:ReadTraceSampleRatio"] = "1",
        };
        var storageKey = "";
        await using (var host = await LocalHostDriver.StartAsync(settings, configure: builder => builder.Logging.SetMinimumLevel(LogLevel.Trace), configureServices: capture.AddTo))
        {
            storageKey = AccountKey(host.Storage.ConnectionString);
            var prompt = Drivers.PromptName("secrets");
            await host.CreateVersionAsync(prompt, new JsonObject
            {
                ["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "echo: {{question}}" }),
                ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
            }, tags: ["production"]);
            await host.GetAsync($"/api/prompts/{prompt}/tags/production", key: TestKeys.Reader);
            await host.GetAsync($"/api/prompts/{prompt}/latest", key: TestKeys.Promoter);
            await host.GetAsync($"/api/prompts/{prompt}", key: UnknownKey);
            await host.SendAsync(HttpMethod.Get, $"/api/prompts/{prompt}", key: null, headers: Samples.Header("x-api-key", TestKeys.Writer), contentType: null);
            await host.SendAsync(HttpMethod.Get, $"/api/prompts/{prompt}/tags/production?key={TestKeys.Reader}", key: null, contentType: null);
            await host.PostAsync("/api/playground", new JsonObject { ["prompt"] = new JsonObject { ["name"] = prompt }, ["variables"] = new JsonObject { ["question"] = "fail" } });

            var dataset = await host.PostAsync("/api/datasets/secret-questions/versions", new JsonObject
            {
                ["examples"] = new JsonArray(Enumerable.Range(0, 6).Select(i => (JsonNode?)new JsonObject
                {
                    ["input"] = new JsonObject { ["question"] = i == 0 ? "fail" : $"q{i}" },
                    ["expected"] = $"q{i}",
                }).ToArray()),
            });
            Assert.True(dataset.Status is 200 or 201, dataset.ToString());
            var started = await host.PostAsync("/api/experiments", new JsonObject
            {
                ["prompt"] = new JsonObject { ["name"] = prompt, ["tag"] = "production" },
                ["dataset"] = new JsonObject { ["name"] = "secret-questions" },
                ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
            });
            Assert.Equal(202, started.Status);
            var done = await WaitAsync(host, started.Json["id"]!.GetValue<string>());
            // Model connections with MaxRetries 0 (no retries) run; the one row the stub refuses fails alone.
            Assert.Equal("completed", done["status"]!.GetValue<string>());
            Assert.Equal(1, done["progress"]!["errors"]!.GetValue<int>());

            var metrics = capture.Metrics(host.Services);
            var names = string.Join(", ", metrics.Select(m => m.Name).Distinct());
            foreach (var name in new[] { "promptfunctions.model.calls", "promptfunctions.model.tokens", "promptfunctions.model.cost", "promptfunctions.experiment.rows", "promptfunctions.prompt.fetch.duration" })
                Assert.True(metrics.Any(m => m.Name == name), $"{name} is not among {names}");
            var exported = capture.Spans.Select(TelemetryCapture.Describe).Concat(capture.Logs).Concat(metrics.Select(TelemetryCapture.Describe)).ToList();

            // The scan must have seen the places a secret would leak from: model calls with their errors, requests with keys.
            Assert.Contains(capture.Spans, s => s.Source.Name == Core.Telemetry.TelemetryNames.ModelsSource && s.Status == ActivityStatusCode.Error);
            Assert.Contains(capture.Spans, s => s.Kind == ActivityKind.Server && TelemetryCapture.Describe(s).Contains("http.response.status_code=401", StringComparison.Ordinal));
            Assert.Contains(capture.Logs, line => line.Contains("Error", StringComparison.Ordinal));
            foreach (var secret in new[] { TestKeys.Admin, TestKeys.Reader, TestKeys.Writer, TestKeys.Promoter, UnknownKey, ModelKey, storageKey })
                Assert.DoesNotContain(exported, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    private static string AccountKey(string connectionString) =>
        connectionString.Split(';').Select(p => p.Split('=', 2)).Single(p => p[0] == "AccountKey")[1];

    private static async Task<JsonNode> WaitAsync(IApiDriver api, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var experiment = (await api.GetAsync($"/api/experiments/{id}")).Json;
            if (experiment["status"]!.GetValue<string>() is "completed" or "failed" or "cancelled") return experiment;
            await Task.Delay(100);
        }
        throw new TimeoutException($"experiment {id} did not finish");
    }
}
