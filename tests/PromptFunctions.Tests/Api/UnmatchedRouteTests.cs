using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Api;

/// <summary>
/// Requests no route takes get the same answer from every host: the local host's routing layer and web page
/// fallback, the Functions app's catch-all functions called in process, and those functions under the real Functions
/// host (which would otherwise answer an empty 404 for both cases).
/// </summary>
public sealed class UnmatchedRouteTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    public static TheoryData<string, string, int, string> Cases() => new()
    {
        { "GET", "/api/nonexistent", 404, "application/problem+json" },
        { "GET", "/api/prompts/a/b/c/d/e/f", 404, "application/problem+json" },
        { "POST", "/api/health", 405, "application/problem+json" },
        { "PATCH", "/api/prompts/some-prompt/versions", 405, "application/problem+json" },
        { "DELETE", "/api/prompts/some-prompt", 405, "application/problem+json" },
        { "PUT", "/api/public/v2/prompts", 405, "application/json" },
        { "GET", "/api/public/v2/prompts/team/greeting", 404, "application/json" },
        { "POST", "/api/v1/prompts/nobody/latest", 405, "application/problem+json" },
        // A GET the web page's catch-all takes on an API path that only another method has.
        { "GET", "/api/prompts/some-prompt/render", 405, "application/problem+json" },
        { "POST", "/api/nonexistent", 404, "application/problem+json" },
        // Outside the API the page answers GET only.
        { "POST", "/prompts/some-prompt", 405, "application/problem+json" },
        { "DELETE", "/", 405, "application/problem+json" },
    };

    [Theory, MemberData(nameof(Cases))]
    public async Task Every_host_answers_an_unmatched_request_alike(string method, string path, int status, string contentType)
    {
        var local = await hosts[Drivers.LocalHost].SendAsync(new HttpMethod(method), path, method is "GET" or "DELETE" ? null : "{}");
        Assert.True(local.Status == status, local.ToString());
        Assert.StartsWith(contentType, local.ContentType);
        Assert.Contains(status == 404 ? "No API route" : "does not accept", local.Body);

        foreach (var kind in new[] { Drivers.Functions, Drivers.FunctionsHost })
        {
            var response = await hosts[kind].SendAsync(new HttpMethod(method), path, method is "GET" or "DELETE" ? null : "{}");
            Assert.True(response.Status == status, $"{kind}: {response}");
            Assert.Equal(local.ContentType, response.ContentType);
            Assert.Equal(local.Body, response.Body);
            Assert.Equal(Methods(local.Header("Allow")), Methods(response.Header("Allow")));
        }
    }

    private static string[] Methods(string? allow) =>
        (allow ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToArray();
}
