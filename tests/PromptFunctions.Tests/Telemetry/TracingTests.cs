using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.Core.Telemetry;
using PromptFunctions.Evaluation;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Experiments;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Telemetry;

/// <summary>
/// Traces as an operator sees them, collected in memory from the local host (the one host here with a real HTTP
/// server span; in Azure the Functions host starts the trace and the worker continues it).
/// </summary>
public sealed class TracingTests
{
    private static JsonObject EchoPrompt() => new()
    {
        ["template"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = "Answer exactly." },
            new JsonObject { ["role"] = "user", ["content"] = "echo: {{question}}" }),
        ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
    };

    private static JsonObject Example(int i) => new() { ["input"] = new JsonObject { ["question"] = $"q{i}" }, ["expected"] = $"q{i}" };

    private static Dictionary<string, string> TraceParent(ActivityTraceId traceId, ActivitySpanId parent) =>
        new() { ["traceparent"] = $"00-{traceId}-{parent}-01" };

    [Fact]
    public async Task One_trace_runs_from_the_experiment_request_through_each_batch_to_every_model_call_and_evaluator()
    {
        var capture = new TelemetryCapture();
        await using var host = await ExperimentTestHost.StartAsync(Drivers.LocalHost, configureServices: capture.AddTo);
        var version = (await host.Api.CreateVersionAsync("qa", EchoPrompt(), tags: ["staging"]))["id"]!.GetValue<string>();
        await host.UploadAsync("questions", Enumerable.Range(0, 12).Select(Example));
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();

        var response = await host.Api.SendAsync(HttpMethod.Post, "/api/experiments", new JsonObject
        {
            ["prompt"] = ExperimentTestHost.Prompt("qa", "staging"),
            ["dataset"] = new JsonObject { ["name"] = "questions" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
            // Small lanes of few rows, so the experiment runs in several batches.
            ["max_concurrency"] = 1,
        }.ToJsonString(), headers: TraceParent(traceId, callerSpan));
        Assert.Equal(202, response.Status);
        var id = response.Json["id"]!.GetValue<string>();
        Assert.Equal("staging", response.Json["prompt"]!["tag"]!.GetValue<string>());
        Assert.Equal("completed", (await host.WaitAsync(id))["status"]!.GetValue<string>());

        // The experiment is marked completed by its last activity, a moment before the orchestration's own span ends.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!capture.Trace(traceId).Any(s => s.DisplayName == $"orchestration:{nameof(Core.Experiments.RunExperimentOrchestrator)}") && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var trace = capture.Trace(traceId);
        var tree = Tree(trace);
        var request = Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.ParentSpanId == callerSpan);
        AssertPrompt(request, version, "staging");
        Assert.Contains(trace, s => s.DisplayName == PromptSpans.ResolveSpan && Tag(s, TelemetryAttributes.PromptTag) == "staging" && Tag(s, TelemetryAttributes.PromptVersionId) == version);

        var batches = trace.Where(s => s.DisplayName == ExperimentSpans.BatchSpan).ToList();
        Assert.True(batches.Count >= 2, tree);
        Assert.Equal(12, batches.Sum(b => Convert.ToInt32(b.GetTagItem(TelemetryAttributes.ExperimentRows))));
        Assert.All(batches, b =>
        {
            Assert.Equal(id, Tag(b, TelemetryAttributes.ExperimentId));
            AssertPrompt(b, version, "staging");
            Assert.True(Descends(b, request, trace), $"batch {b.SpanId} is not under the request\n{tree}");
        });

        var modelCalls = trace.Where(s => s.Source.Name == TelemetryNames.ModelsSource).ToList();
        Assert.Equal(12, modelCalls.Count);
        Assert.All(modelCalls, call =>
        {
            AssertPrompt(call, version, "staging");
            Assert.Equal("stub-model", Tag(call, "gen_ai.request.model"));
            Assert.Equal("chat", Tag(call, "gen_ai.operation.name"));
            Assert.NotNull(call.GetTagItem("gen_ai.provider.name") ?? call.GetTagItem("gen_ai.system"));
            Assert.True(Convert.ToInt32(call.GetTagItem("gen_ai.usage.input_tokens")) > 0, TelemetryCapture.Describe(call));
            Assert.True(Convert.ToInt32(call.GetTagItem("gen_ai.usage.output_tokens")) > 0, TelemetryCapture.Describe(call));
            Assert.Contains("stop", TelemetryCapture.Describe(call));
            Assert.Contains(batches, b => Descends(call, b, trace));
        });

        var evaluators = trace.Where(s => s.Source.Name == EvaluationTelemetry.SourceName).ToList();
        Assert.Equal(12, evaluators.Count);
        Assert.All(evaluators, e =>
        {
            Assert.Equal("exact_match", Tag(e, EvaluationTelemetry.EvaluatorTypeAttribute));
            AssertPrompt(e, version, "staging");
            Assert.Contains(batches, b => Descends(e, b, trace));
        });
    }

    [Fact]
    public async Task A_fetch_by_tag_is_traced_with_its_prompt_and_cache_outcome_and_counted_in_the_fetch_metric()
    {
        var capture = new TelemetryCapture();
        await using var host = await LocalHostDriver.StartAsync(configureServices: capture.AddTo);
        var prompt = Drivers.PromptName("traced");
        var version = (await host.CreateVersionAsync(prompt, Samples.Chat(), tags: ["production"]))["id"]!.GetValue<string>();
        var first = ActivityTraceId.CreateRandom();
        var second = ActivityTraceId.CreateRandom();

        Assert.Equal(200, (await host.SendAsync(HttpMethod.Get, $"/api/prompts/{prompt}/tags/production", headers: TraceParent(first, ActivitySpanId.CreateRandom()), contentType: null)).Status);
        Assert.Equal(200, (await host.SendAsync(HttpMethod.Get, $"/api/prompts/{prompt}/tags/production", headers: TraceParent(second, ActivitySpanId.CreateRandom()), contentType: null)).Status);

        // The version was just published through this process, so the first fetch may already hit; the second must.
        var resolve = Assert.Single(capture.Trace(second), s => s.DisplayName == PromptSpans.ResolveSpan);
        Assert.Equal(CacheOutcomes.Hit, Tag(resolve, TelemetryAttributes.Cache));
        AssertPrompt(resolve, version, "production");
        AssertPrompt(Assert.Single(capture.Trace(second), s => s.Kind == ActivityKind.Server), version, "production");

        var fetches = capture.Metrics(host.Services).Where(m => m.Name == "promptfunctions.prompt.fetch.duration").SelectMany(m => m.MetricPoints).ToList();
        Assert.Contains(fetches, p => Tags(p).Contains($"{TelemetryAttributes.HttpRoute}=api/prompts/{{name}}/tags/{{tag}}") && Tags(p).Contains($"{TelemetryAttributes.Cache}={CacheOutcomes.Hit}"));
    }

    [Fact]
    public async Task Each_webhook_delivery_attempt_is_a_span_with_its_outcome_and_is_counted_by_outcome()
    {
        var capture = new TelemetryCapture();
        await using var receiver = await Webhooks.WebhookReceiver.StartAsync();
        receiver.Respond = n => n == 1 ? 500 : 200;
        await using var host = await Webhooks.WebhookTestHost.StartAsync(Drivers.LocalHost, configureServices: capture.AddTo);
        var (subscription, _) = await host.SubscribeAsync(receiver, "prompt.version.created");

        await host.Api.CreateVersionAsync(Drivers.PromptName("hooked"), Samples.Text("hello {{x}}"));
        await host.WaitForDeliveriesAsync(subscription, d => d.Count == 1 && d[0]!["state"]!.GetValue<string>() == "delivered");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<Activity> attempts;
        while ((attempts = capture.Spans.Where(s => s.DisplayName == "webhook.deliver" && Tag(s, TelemetryAttributes.WebhookSubscription) == subscription).ToList()).Count < 2
               && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        attempts = [.. attempts.OrderBy(s => s.StartTimeUtc)];
        Assert.Equal(2, attempts.Count);
        Assert.Equal([WebhookOutcomes.Retrying, WebhookOutcomes.Delivered], attempts.Select(s => Tag(s, TelemetryAttributes.WebhookOutcome)));
        Assert.Equal(["500", "200"], attempts.Select(s => Tag(s, TelemetryAttributes.HttpResponseStatusCode)));
        Assert.Equal(ActivityStatusCode.Error, attempts[0].Status);
        Assert.All(attempts, s => Assert.Equal("prompt.version.created", Tag(s, TelemetryAttributes.WebhookEventType)));
        // The subscriber's URL may carry a token, so no span says it.
        Assert.All(attempts, s => Assert.DoesNotContain(receiver.Url.Authority, TelemetryCapture.Describe(s)));

        var points = capture.Metrics(host.Api.Services).Where(m => m.Name == "promptfunctions.webhook.deliveries").SelectMany(m => m.MetricPoints).Select(Tags).ToList();
        Assert.Contains(points, p => p.Contains($"{TelemetryAttributes.WebhookOutcome}={WebhookOutcomes.Retrying}") && p.Contains("500"));
        Assert.Contains(points, p => p.Contains($"{TelemetryAttributes.WebhookOutcome}={WebhookOutcomes.Delivered}"));
    }

    [Fact]
    public async Task Unsampled_reads_create_no_spans_below_the_request_and_sampled_callers_are_followed()
    {
        var capture = new TelemetryCapture();
        await using var host = await LocalHostDriver.StartAsync(new Dictionary<string, string?> { ["Telemetry:ReadTraceSampleRatio"] = "0" }, configureServices: capture.AddTo);
        var prompt = Drivers.PromptName("unsampled");
        await host.CreateVersionAsync(prompt, Samples.Chat(), tags: ["production"]);
        var unsampled = ActivityTraceId.CreateRandom();
        var sampled = ActivityTraceId.CreateRandom();

        // A caller that decided not to sample; then one without trace context (a read at ratio 0); then one that sampled.
        await host.SendAsync(HttpMethod.Get, $"/api/prompts/{prompt}/tags/production", headers: new Dictionary<string, string> { ["traceparent"] = $"00-{unsampled}-{ActivitySpanId.CreateRandom()}-00" }, contentType: null);
        var before = capture.Spans.Count(s => s.DisplayName == PromptSpans.ResolveSpan && Tag(s, TelemetryAttributes.PromptName) == prompt);
        await host.GetAsync($"/api/prompts/{prompt}/tags/production");
        var after = capture.Spans.Count(s => s.DisplayName == PromptSpans.ResolveSpan && Tag(s, TelemetryAttributes.PromptName) == prompt);
        await host.SendAsync(HttpMethod.Get, $"/api/prompts/{prompt}/tags/production", headers: TraceParent(sampled, ActivitySpanId.CreateRandom()), contentType: null);

        Assert.Empty(capture.Trace(unsampled));
        Assert.Equal(before, after);
        Assert.Contains(capture.Trace(sampled), s => s.DisplayName == PromptSpans.ResolveSpan);
    }

    private static string? Tag(Activity span, string name) => span.GetTagItem(name)?.ToString();

    private static string Tags(OpenTelemetry.Metrics.MetricPoint point)
    {
        var text = new StringBuilder();
        foreach (var tag in point.Tags) text.Append(tag.Key).Append('=').Append(tag.Value).Append(';');
        return text.ToString();
    }

    private static void AssertPrompt(Activity span, string version, string tag)
    {
        Assert.True(Tag(span, TelemetryAttributes.PromptName) == "qa" || Tag(span, TelemetryAttributes.PromptName)?.StartsWith("traced", StringComparison.Ordinal) == true, TelemetryCapture.Describe(span));
        Assert.Equal(version, Tag(span, TelemetryAttributes.PromptVersionId));
        Assert.Equal(tag, Tag(span, TelemetryAttributes.PromptTag));
    }

    /// <summary>Whether <paramref name="ancestor"/> is on the parent chain of <paramref name="span"/> within the trace.</summary>
    private static bool Descends(Activity span, Activity ancestor, IReadOnlyList<Activity> trace)
    {
        var bySpan = trace.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        var current = span;
        for (var depth = 0; depth < 100; depth++)
        {
            if (current.ParentSpanId == ancestor.SpanId) return true;
            if (!bySpan.TryGetValue(current.ParentSpanId, out var parent)) return false;
            current = parent;
        }
        return false;
    }

    private static string Tree(IReadOnlyList<Activity> trace) =>
        string.Join("\n", trace.OrderBy(s => s.StartTimeUtc).Select(s => $"{s.SpanId} <- {s.ParentSpanId} {s.Source.Name} {s.Kind} {s.DisplayName}"));
}
