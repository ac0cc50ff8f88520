using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace PromptFunctions.Core.Http;

/// <summary>
/// Writes pre-serialized JSON with the status and headers given. Both hosts execute <see cref="IResult"/>, and
/// writing bytes ourselves keeps their output identical regardless of each host's serializer settings.
/// </summary>
public sealed class JsonBytesResult(int status, ReadOnlyMemory<byte> body, string contentType = JsonBytesResult.Json) : IResult
{
    public const string Json = "application/json; charset=utf-8";
    public const string ProblemJson = "application/problem+json; charset=utf-8";

    public int Status { get; } = status;
    public ReadOnlyMemory<byte> Body { get; } = body;
    public string? ETag { get; init; }
    public string? CacheControl { get; init; }
    public string? Location { get; init; }
    public string? Vary { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = Status;
        ApplyHeaders(response, ETag, CacheControl, Location, Vary, Headers);
        response.ContentType = contentType;
        response.ContentLength = Body.Length;
        return response.Body.WriteAsync(Body, httpContext.RequestAborted).AsTask();
    }

    internal static void ApplyHeaders(HttpResponse response, string? etag, string? cacheControl, string? location, string? vary, IReadOnlyDictionary<string, string>? headers)
    {
        if (etag is not null) response.Headers.ETag = etag;
        if (cacheControl is not null) response.Headers.CacheControl = cacheControl;
        if (location is not null) response.Headers.Location = location;
        if (vary is not null) response.Headers.Vary = vary;
        if (headers is null) return;
        foreach (var (name, value) in headers) response.Headers[name] = value;
    }
}

/// <summary>A bodiless response (204, 304) that still carries validators and cache headers.</summary>
public sealed class EmptyResult(int status) : IResult
{
    public int Status => status;

    public string? ETag { get; init; }
    public string? CacheControl { get; init; }
    public string? Vary { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = status;
        JsonBytesResult.ApplyHeaders(httpContext.Response, ETag, CacheControl, null, Vary, Headers);
        return Task.CompletedTask;
    }
}

public static class JsonResponses
{
    /// <summary>
    /// Compact, and escaping only what JSON requires: responses are application/json, never embedded in HTML, and
    /// prompts are full of quotes, '+' and '&lt;' that would otherwise turn into \uXXXX noise.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Serialize(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Options);

    public static JsonBytesResult Json(JsonNode body, int status = 200) => new(status, Serialize(body));

    /// <summary>A typed contract (see PromptFunctions.Contracts), serialized with its source-generated metadata.</summary>
    public static JsonBytesResult Contract<T>(T body, int status = 200) => new(status, Contracts.ContractsJson.Serialize(body));

    public static JsonBytesResult Problem(ProblemException problem, string instance) =>
        new(problem.Status, Serialize(problem.ToJson(instance)), JsonBytesResult.ProblemJson)
        {
            Headers = problem.Status == 401
                ? With(problem.Headers, HeaderNames.WWWAuthenticate, "Bearer realm=\"PromptFunctions\"")
                : problem.Headers,
        };

    /// <summary><paramref name="headers"/> plus one more.</summary>
    public static IReadOnlyDictionary<string, string> With(IReadOnlyDictionary<string, string>? headers, string name, string value)
    {
        var all = headers is null ? new Dictionary<string, string>() : new Dictionary<string, string>(headers);
        all[name] = value;
        return all;
    }

    public static string Quote(string entityTag) => $"\"{entityTag}\"";
}
