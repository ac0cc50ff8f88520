using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Models;
using PromptFunctions.Prompts.Chat;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Datasets;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Experiments;

/// <summary>
/// Issue 13, family 7: the response cache keys on the request that would reach the model, so two requests that
/// differ in anything the model sees never share a recorded answer, and two that the model cannot tell apart do.
/// </summary>
public sealed class ResponseCacheKeyTests
{
    private const string Base = """
        {"template": [{"role": "user", "content": "Look up {{order}}"}],
         "model": {"provider": "openai", "name": "gpt-4o-mini"},
         "invocation_parameters": {"temperature": 0.2, "reasoning_effort": "low"},
         "tools": {"tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"id": {"type": "string"}}}}}],
                   "tool_choice": "auto", "parallel_tool_calls": true},
         "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": true}}}
        """;

    /// <summary>A change to one member of the base version, each of which reaches the model.</summary>
    public static TheoryData<string, string, string> Changes() => new()
    {
        { "reasoning effort", "invocation_parameters", """{"temperature": 0.2, "reasoning_effort": "high"}""" },
        { "parallel tool calls", "tools", """{"tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"id": {"type": "string"}}}}}], "tool_choice": "auto", "parallel_tool_calls": false}""" },
        { "tool strictness", "tools", """{"tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"id": {"type": "string"}}}, "strict": true}}], "tool_choice": "auto", "parallel_tool_calls": true}""" },
        { "tool description", "tools", """{"tools": [{"type": "function", "function": {"name": "lookup", "description": "Finds orders", "parameters": {"type": "object", "properties": {"id": {"type": "string"}}}}}], "tool_choice": "auto", "parallel_tool_calls": true}""" },
        { "tool choice", "tools", """{"tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"id": {"type": "string"}}}}}], "tool_choice": "required", "parallel_tool_calls": true}""" },
        { "response format strictness", "response_format", """{"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": false}}""" },
        { "response format description", "response_format", """{"type": "json_schema", "json_schema": {"name": "answer", "description": "the answer", "schema": {"type": "object"}, "strict": true}}""" },
        { "seed", "invocation_parameters", """{"temperature": 0.2, "reasoning_effort": "low", "seed": 7}""" },
        { "stop sequences", "invocation_parameters", """{"temperature": 0.2, "reasoning_effort": "low", "stop": ["END"]}""" },
        { "temperature", "invocation_parameters", """{"temperature": 0.3, "reasoning_effort": "low"}""" },
        { "the model", "model", """{"provider": "openai", "name": "gpt-4o"}""" },
    };

    private static ModelConnections Connections(string provider = "openai-compatible") => new(
        Options.Create(new ModelsOptions
        {
            // Port 9 (discard) has no listener here: a capture that tried to send would fail, not be captured.
            ["c"] = new ModelConnectionOptions { Provider = provider, Endpoint = "http://127.0.0.1:9/v1", ApiKey = "k", Model = "default-model" },
        }),
        NullLoggerFactory.Instance, TimeProvider.System);

    private static async Task<string> KeyAsync(ModelConnections connections, string versionJson, int repetition = 0)
    {
        var content = PromptVersionJson.Parse(JsonNode.Parse(versionJson));
        var variables = new JsonObject { ["order"] = "A-1" };
        var messages = PromptChat.ToChatMessages(content, PromptRenderer.Render(content, variables), variables);
        var capture = connections.GetChatClient("c").GetService<ModelRequestCapture>()!;
        var request = await capture.CaptureAsync(messages, PromptChat.ToChatOptions(content), CancellationToken.None);
        return ResponseCacheChatClient.CacheKey("c", request, repetition);
    }

    private static string With(string member, string json)
    {
        var version = JsonNode.Parse(Base)!.AsObject();
        version[member] = JsonNode.Parse(json);
        return version.ToJsonString();
    }

    [Theory, MemberData(nameof(Changes))]
    public async Task Anything_that_reaches_the_model_changes_the_key(string change, string member, string json)
    {
        using var connections = Connections();

        var baseline = await KeyAsync(connections, Base);
        var changed = await KeyAsync(connections, With(member, json));

        Assert.True(baseline != changed, $"{change} did not change the key");
    }

    [Fact]
    public async Task The_same_request_has_the_same_key_and_formatting_does_not_matter()
    {
        using var connections = Connections();
        // The same parameters in another order and spelling (0.20 for 0.2): the same request reaches the model.
        var reordered = JsonNode.Parse(Base)!.AsObject();
        reordered["invocation_parameters"] = JsonNode.Parse("""{"reasoning_effort": "low", "temperature": 0.20}""");

        var first = await KeyAsync(connections, Base);

        Assert.Equal(first, await KeyAsync(connections, Base));
        Assert.Equal(first, await KeyAsync(connections, reordered.ToJsonString()));
        // The key follows the request: a provider extra that this connection's client does not send (today the
        // OpenAI client drops unknown extras) cannot change the answer, so it does not change the key either.
        var extra = JsonNode.Parse(Base)!.AsObject();
        extra["invocation_parameters"] = JsonNode.Parse("""{"temperature": 0.2, "reasoning_effort": "low", "service_tier": "flex"}""");
        Assert.Equal(first, await KeyAsync(connections, extra.ToJsonString()));
        Assert.NotEqual(first, await KeyAsync(connections, Base, repetition: 1));
    }

    [Fact]
    public async Task The_capture_is_the_request_the_provider_client_builds()
    {
        using var connections = Connections();
        var capture = connections.GetChatClient("c").GetService<ModelRequestCapture>()!;
        var content = PromptVersionJson.Parse(JsonNode.Parse(Base));
        var options = PromptChat.ToChatOptions(content);

        var request = await capture.CaptureAsync([new ChatMessage(ChatRole.User, "hi")], options, CancellationToken.None);

        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/chat/completions", request.PathAndQuery);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("gpt-4o-mini", body["model"]!.GetValue<string>());
        Assert.Equal("low", body["reasoning_effort"]!.GetValue<string>());
        Assert.True(body["parallel_tool_calls"]!.GetValue<bool>());
        Assert.Contains("\"hi\"", body["messages"]![0]!.ToJsonString());
        // The options the caller passed are not changed by the capture.
        Assert.Equal(PromptChat.ToChatOptions(content).Reasoning!.Effort, options.Reasoning!.Effort);
    }

    [Fact]
    public async Task Ollama_connections_capture_their_request_too()
    {
        using var connections = Connections("ollama");
        var capture = connections.GetChatClient("c").GetService<ModelRequestCapture>()!;

        var request = await capture.CaptureAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { Temperature = 0.5f }, CancellationToken.None);

        Assert.Equal("POST", request.Method);
        Assert.EndsWith("/api/chat", request.PathAndQuery);
        Assert.Contains("\"temperature\":0.5", System.Text.Encoding.UTF8.GetString(request.Body));
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_replay_with_another_reasoning_effort_is_not_served_the_recorded_answer(string kind)
    {
        // Names of its own: on the Functions host every class shares one host.
        var dataset = Drivers.PromptName("qs");
        await using var host = await ExperimentTestHost.StartAsync(kind, r => StubReply.Text($"answer to {r.LastUserText} at {r.Body["reasoning_effort"]?.GetValue<string>() ?? "none"}"));
        var prompt = Drivers.PromptName("effort");
        JsonObject Version(string effort) => new()
        {
            ["template"] = "{{q}}",
            ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
            ["invocation_parameters"] = new JsonObject { ["reasoning_effort"] = effort },
        };
        await host.Api.CreateVersionAsync(prompt, Version("low"));
        await host.UploadAsync(dataset, Enumerable.Range(0, 3).Select(i => new JsonObject { ["input"] = new JsonObject { ["q"] = $"q{i}" } }));
        JsonObject Run(JsonObject promptRef, string cache) => new()
        {
            ["prompt"] = promptRef,
            ["dataset"] = new JsonObject { ["name"] = dataset },
            ["cache"] = cache,
        };

        var recorded = await host.WaitAsync((await host.StartAsync(Run(new JsonObject { ["name"] = prompt }, "record")))["id"].Str()!);
        Assert.Equal(0, recorded["aggregates"]!["errors"]!.GetValue<int>());
        Assert.Equal(3, host.Model.Calls);

        var same = await host.WaitAsync((await host.StartAsync(Run(new JsonObject { ["name"] = prompt, ["draft"] = Version("low") }, "replay")))["id"].Str()!);
        Assert.Equal(0, same["aggregates"]!["errors"]!.GetValue<int>());
        Assert.All(await host.RowsAsync(same["id"].Str()!), row => Assert.EndsWith("at low", row["output"].Str()));

        var other = await host.WaitAsync((await host.StartAsync(Run(new JsonObject { ["name"] = prompt, ["draft"] = Version("high") }, "replay")))["id"].Str()!);
        var rows = await host.RowsAsync(other["id"].Str()!);
        Assert.Equal(3, rows.Count);
        Assert.All(rows, row => Assert.StartsWith("No recorded model response for this request", row["error"].Str()));
        Assert.Equal(3, host.Model.Calls);
    }
}
