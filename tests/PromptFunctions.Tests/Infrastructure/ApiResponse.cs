using System.Text.Json.Nodes;

namespace PromptFunctions.Tests.Infrastructure;

public sealed record ApiResponse(int Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string? ContentType => Header("Content-Type");

    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("empty body");

    public override string ToString() => $"{Status} {ContentType} {Body}";
}

/// <summary>A way to call the API: over HTTP to the local host or the Functions host, or straight into the Functions app's triggers.</summary>
public interface IApiDriver : IAsyncDisposable
{
    string Kind { get; }

    TestStorage Storage { get; }

    IServiceProvider Services { get; }

    Task<ApiResponse> SendAsync(HttpMethod method, string pathAndQuery, string? body = null, string? key = TestKeys.Admin,
        IReadOnlyDictionary<string, string>? headers = null, string? contentType = "application/json");

    /// <summary>Sends a body the API reads as it arrives, without a Content-Length: for uploads too large to build as a string.</summary>
    Task<ApiResponse> SendStreamAsync(HttpMethod method, string pathAndQuery, Stream body, string? contentType, string? key = TestKeys.Admin);

    /// <summary>
    /// Until disposed, nothing but the calling test writes to this driver's storage, so two snapshots taken inside
    /// differ only by its own writes. Only a host that test classes share has anything to wait for; call it from
    /// the test method itself (it marks the caller's async flow).
    /// </summary>
    Task<IAsyncDisposable> QuietAsync() => Task.FromResult<IAsyncDisposable>(NothingToRelease.Instance);
}

internal sealed class NothingToRelease : IAsyncDisposable
{
    public static readonly NothingToRelease Instance = new();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public static class ApiDriverExtensions
{
    public static Task<ApiResponse> GetAsync(this IApiDriver driver, string path, string? key = TestKeys.Admin, IReadOnlyDictionary<string, string>? headers = null) =>
        driver.SendAsync(HttpMethod.Get, path, null, key, headers, null);

    public static Task<ApiResponse> PostAsync(this IApiDriver driver, string path, JsonNode body, string? key = TestKeys.Admin, IReadOnlyDictionary<string, string>? headers = null) =>
        driver.SendAsync(HttpMethod.Post, path, body.ToJsonString(), key, headers);

    public static Task<ApiResponse> PutAsync(this IApiDriver driver, string path, JsonNode body, string? key = TestKeys.Admin, IReadOnlyDictionary<string, string>? headers = null) =>
        driver.SendAsync(HttpMethod.Put, path, body.ToJsonString(), key, headers);

    public static Task<ApiResponse> DeleteAsync(this IApiDriver driver, string path, string? key = TestKeys.Admin, IReadOnlyDictionary<string, string>? headers = null) =>
        driver.SendAsync(HttpMethod.Delete, path, null, key, headers, null);

    /// <summary>Creates a version and returns the response, asserting it was stored.</summary>
    public static async Task<JsonObject> CreateVersionAsync(this IApiDriver driver, string prompt, JsonNode version, string[]? tags = null, string? message = null, string? parent = null)
    {
        var body = new JsonObject { ["version"] = version.DeepClone() };
        if (tags is not null) body["tags"] = new JsonArray(tags.Select(t => (JsonNode?)t).ToArray());
        if (message is not null) body["message"] = message;
        if (parent is not null) body["parent"] = parent;
        var response = await driver.PostAsync($"/api/prompts/{prompt}/versions", body);
        Assert.True(response.Status is 200 or 201, response.ToString());
        return response.Json.AsObject();
    }
}
