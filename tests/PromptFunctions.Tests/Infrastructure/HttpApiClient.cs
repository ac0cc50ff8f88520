using System.Net.Http.Headers;

namespace PromptFunctions.Tests.Infrastructure;

/// <summary>Sends test requests over real HTTP, for every driver whose host listens on a socket.</summary>
public sealed class HttpApiClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress };

    public async Task<ApiResponse> SendAsync(HttpMethod method, string pathAndQuery, string? body, string? key,
        IReadOnlyDictionary<string, string>? headers, string? contentType)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null)
        {
            request.Content = new StringContent(body);
            request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
        return await ReadAsync(request);
    }

    public async Task<ApiResponse> SendStreamAsync(HttpMethod method, string pathAndQuery, Stream body, string? contentType, string? key)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery) { Content = new StreamContent(body) };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await ReadAsync(request);
    }

    private async Task<ApiResponse> ReadAsync(HttpRequestMessage request)
    {
        using var response = await SendUntracedAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // As sent: the parsed views reorder directives (Cache-Control), and tests compare with what the server wrote.
        foreach (var (name, values) in response.Headers.NonValidated) all[name] = string.Join(", ", values);
        foreach (var (name, values) in response.Content.Headers.NonValidated) all[name] = string.Join(", ", values);
        return new ApiResponse((int)response.StatusCode, text, all);
    }

    /// <summary>
    /// Like a caller outside the process: activity listeners are process-wide, so an in-process host's HttpClient
    /// instrumentation would otherwise trace this client too and replace a <c>traceparent</c> a test sets.
    /// </summary>
    private Task<HttpResponseMessage> SendUntracedAsync(HttpRequestMessage request)
    {
        using var untraced = OpenTelemetry.SuppressInstrumentationScope.Begin();
        return _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();
}
