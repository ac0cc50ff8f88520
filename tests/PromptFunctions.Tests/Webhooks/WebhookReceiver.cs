using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace PromptFunctions.Tests.Webhooks;

/// <summary>One request the receiver got: the Standard Webhooks headers and the raw body.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body, int AnsweredWith)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
    public string Type => Json["type"]!.GetValue<string>();
    public JsonObject Data => Json["data"]!.AsObject();

    /// <summary>
    /// Verifies the delivery with the independent StandardWebhooks package (NuGet), not the project's signing
    /// code; throws its WebhookVerificationException when no signature matches <paramref name="secret"/>.
    /// </summary>
    public void Verify(string secret)
    {
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = Id,
            ["webhook-timestamp"] = Timestamp,
            ["webhook-signature"] = Signature,
        };
        new StandardWebhook(secret).Verify(Body, headers);
    }
}

/// <summary>
/// A webhook receiver on a free loopback port. <see cref="Respond"/> decides each answer from the number of the
/// request (1-based); every request is recorded with the status it got.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _count;

    private WebhookReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public Func<int, int> Respond { get; set; } = _ => 200;

    /// <summary>How long to wait before answering request n (1-based).</summary>
    public Func<int, TimeSpan> Delay { get; set; } = _ => TimeSpan.Zero;

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToList();

    public static async Task<WebhookReceiver> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var number = Interlocked.Increment(ref receiver!._count);
            var status = receiver.Respond(number);
            if (receiver.Delay(number) is { } delay && delay > TimeSpan.Zero) await Task.Delay(delay);
            receiver._received.Enqueue(new ReceivedWebhook(context.Request.Headers["webhook-id"].ToString(), context.Request.Headers["webhook-timestamp"].ToString(),
                context.Request.Headers["webhook-signature"].ToString(), body, status));
            context.Response.StatusCode = status;
            // A redirect back to this very URL: a client that followed it would post again at once.
            if (status is >= 300 and < 400) context.Response.Headers.Location = "/hook";
            await context.Response.WriteAsync(status >= 400 ? $"receiver says {status}" : "ok");
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        receiver = new WebhookReceiver(app, new Uri(address, "/hook"));
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for what was received, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var received = Received;
            if (condition(received)) return received;
            Assert.True(DateTime.UtcNow < deadline,
                $"timed out waiting for {what ?? "deliveries"}; received {received.Count}: {string.Join(" | ", received.Select(r => $"{r.AnsweredWith} {r.Body}"))}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
