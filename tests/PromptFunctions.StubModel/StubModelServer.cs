using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PromptFunctions.StubModel;

/// <summary>One chat completion request as the stub saw it.</summary>
/// <param name="Messages">Role and text of each message (text parts joined).</param>
public sealed record StubRequest(string Model, IReadOnlyList<(string Role, string Text)> Messages, JsonObject Body)
{
    public string LastUserText => Messages.LastOrDefault(m => m.Role == "user").Text ?? "";

    public string SystemText => string.Join("\n", Messages.Where(m => m.Role is "system" or "developer").Select(m => m.Text));
}

/// <summary>What the stub answers: a completion, or an HTTP error status.</summary>
public sealed record StubReply(string? Content, int Status = 200, int PromptTokens = -1, int CompletionTokens = -1)
{
    public static StubReply Text(string content) => new(content);

    public static StubReply Error(int status) => new(null, status);

    /// <summary>429 with <c>Retry-After: seconds</c>.</summary>
    public static StubReply RateLimited(int retryAfterSeconds) =>
        new(null, 429) { Headers = new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) } };

    /// <summary>200 with a body that is not a chat completion (cut short, or not JSON at all).</summary>
    public static StubReply Malformed(string body) => new(Content: null) { RawBody = body };

    /// <summary>Answers only after <paramref name="delay"/>: longer than the client's timeout, a hung call.</summary>
    public static StubReply Hang(TimeSpan delay) => new("late") { Delay = delay };

    /// <summary>Extra response headers.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Sent as the body instead of a completion, with status 200 and <c>application/json</c>.</summary>
    public string? RawBody { get; init; }

    /// <summary>Waited before answering, on top of the server's <see cref="StubModelServer.Latency"/>.</summary>
    public TimeSpan Delay { get; init; }
}

/// <summary>
/// An OpenAI-compatible <c>POST /v1/chat/completions</c> server on a free loopback port. The default responder is
/// deterministic: <c>echo: X</c> answers X, <c>fail: 500</c> answers that status, anything else answers
/// <c>answer: </c> plus the last user message. Tests pass their own responder for other behaviour.
/// </summary>
public sealed class StubModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<StubRequest> _requests = new();
    private int _calls;

    private StubModelServer(WebApplication app) => _app = app;

    /// <summary>Base URL for an OpenAI client, ending in <c>/v1</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The most requests the stub was answering at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    private int _inFlight;
    private int _maxInFlight;

    public IReadOnlyCollection<StubRequest> Requests => _requests;

    /// <summary>Fixed latency added to every answer (the benchmark uses 200 ms).</summary>
    public TimeSpan Latency { get; set; }

    public Func<StubRequest, StubReply> Responder { get; set; } = DefaultResponder;

    public static StubReply DefaultResponder(StubRequest request)
    {
        var text = request.LastUserText;
        if (text.StartsWith("echo: ", StringComparison.Ordinal)) return StubReply.Text(text["echo: ".Length..]);
        if (text.StartsWith("fail: ", StringComparison.Ordinal) && int.TryParse(text["fail: ".Length..], out var status)) return StubReply.Error(status);
        return StubReply.Text("answer: " + text);
    }

    public static async Task<StubModelServer> StartAsync(Func<StubRequest, StubReply>? responder = null, TimeSpan latency = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new StubModelServer(app) { Latency = latency };
        if (responder is not null) server.Responder = responder;
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _calls, 0);
        _requests.Clear();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
        {
            if (Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) == max) break;
        }
        try
        {
            await AnswerAsync(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!.AsObject();
        var messages = new List<(string, string)>();
        foreach (var message in body["messages"]!.AsArray())
        {
            var role = (string)message!["role"]!;
            var content = message["content"] switch
            {
                JsonValue v => v.GetValue<string>(),
                JsonArray parts => string.Join("\n", parts.Select(p => (string?)p?["text"]).Where(t => t is not null)),
                _ => "",
            };
            messages.Add((role, content));
        }
        var request = new StubRequest((string?)body["model"] ?? "", messages, body);
        _requests.Enqueue(request);
        Interlocked.Increment(ref _calls);
        if (Latency > TimeSpan.Zero) await Task.Delay(Latency, context.RequestAborted);

        var reply = Responder(request);
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
        if (reply.RawBody is { } raw)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(raw, context.RequestAborted);
            return;
        }
        if (reply.Status != 200)
        {
            context.Response.StatusCode = reply.Status;
            await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = new JsonObject { ["message"] = $"stub error {reply.Status}", ["type"] = "stub" } });
            return;
        }
        var promptTokens = reply.PromptTokens >= 0 ? reply.PromptTokens : messages.Sum(m => Words(m.Item2));
        var completionTokens = reply.CompletionTokens >= 0 ? reply.CompletionTokens : Words(reply.Content ?? "");
        var response = new JsonObject
        {
            ["id"] = $"chatcmpl-stub-{Calls}",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = request.Model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
    }

    /// <summary>A deterministic stand-in for a tokenizer: whitespace-separated words.</summary>
    private static int Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
