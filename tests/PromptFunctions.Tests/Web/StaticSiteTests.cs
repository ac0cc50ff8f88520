using PromptFunctions.Core.Web;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Web;

/// <summary>
/// The web page's files through every host (local host fallback endpoint, Functions catch-all trigger in process and
/// under the real Functions host), from a build folder the tests write (<see cref="TestSite"/>).
/// </summary>
public sealed class StaticSiteTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("pf-webui-").FullName;
    private readonly Dictionary<string, IApiDriver> _hosts = [];

    public async Task InitializeAsync()
    {
        await TestSite.WriteAsync(_root);
        var settings = new Dictionary<string, string?> { ["WebUi:RootPath"] = _root };
        // The shared Functions host serves the same test build (FunctionsHostDriver writes it before the host starts).
        var functionsHost = FunctionsHostDriver.SharedAsync();
        foreach (var kind in new[] { Drivers.LocalHost, Drivers.Functions }) _hosts[kind] = await Drivers.StartAsync(kind, settings);
        _hosts[Drivers.FunctionsHost] = await functionsHost;
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts.Values) await host.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task The_page_is_served_at_the_root_and_for_every_client_route_revalidated_on_each_load(string kind)
    {
        var api = _hosts[kind];
        foreach (var path in new[] { "/", "/prompts", "/prompts/support-reply/edit?from=v2", "/experiments/compare" })
        {
            var page = await api.GetAsync(path, key: null);
            Assert.Equal(200, page.Status);
            Assert.StartsWith("text/html", page.ContentType);
            Assert.Contains("index-marker", page.Body);
            Assert.Equal(StaticSite.RevalidateCacheControl, page.Header("Cache-Control"));
            Assert.Contains("script-src 'self'", page.Header("Content-Security-Policy"));
            Assert.Equal("nosniff", page.Header("X-Content-Type-Options"));
        }
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Hashed_assets_are_immutable_precompressed_and_revalidate_with_304(string kind)
    {
        var api = _hosts[kind];
        var plain = await api.GetAsync("/assets/index-Ab12Cd34.js", key: null);
        Assert.Equal(200, plain.Status);
        Assert.Equal("console.log('identity')", plain.Body);
        Assert.StartsWith("text/javascript", plain.ContentType);
        Assert.Equal(StaticSite.ImmutableCacheControl, plain.Header("Cache-Control"));
        Assert.Equal("Accept-Encoding", plain.Header("Vary"));

        var brotli = await api.GetAsync("/assets/index-Ab12Cd34.js", key: null, headers: Samples.Header("Accept-Encoding", "gzip, deflate, br"));
        Assert.Equal("brotli-copy", brotli.Body);
        Assert.Equal("br", brotli.Header("Content-Encoding"));
        var gzip = await api.GetAsync("/assets/index-Ab12Cd34.js", key: null, headers: Samples.Header("Accept-Encoding", "gzip, br;q=0"));
        Assert.Equal("gzip-copy", gzip.Body);
        Assert.NotEqual(plain.Header("ETag"), brotli.Header("ETag"));

        var revalidated = await api.GetAsync("/assets/index-Ab12Cd34.js", key: null,
            headers: new Dictionary<string, string> { ["Accept-Encoding"] = "br", ["If-None-Match"] = brotli.Header("ETag")! });
        Assert.Equal(304, revalidated.Status);
        Assert.Equal("", revalidated.Body);

        var favicon = await api.GetAsync("/favicon.svg", key: null);
        Assert.Equal("image/svg+xml", favicon.ContentType);
        Assert.Equal(StaticSite.RevalidateCacheControl, favicon.Header("Cache-Control"));
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_missing_file_is_a_404_never_the_page(string kind)
    {
        var missing = await _hosts[kind].GetAsync("/assets/index-Zz99.js", key: null);
        Assert.Equal(404, missing.Status);
        Assert.StartsWith("text/plain", missing.ContentType);
        Assert.DoesNotContain("index-marker", missing.Body);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task The_page_never_shadows_the_api(string kind)
    {
        var api = _hosts[kind];
        var health = await api.GetAsync("/api/health", key: null);
        Assert.Equal(200, health.Status);
        Assert.StartsWith("application/json", health.ContentType);

        var unknown = await api.GetAsync("/api/no-such-route", key: null);
        Assert.Equal(404, unknown.Status);
        Assert.StartsWith("application/problem+json", unknown.ContentType);
        Assert.DoesNotContain("index-marker", unknown.Body);

        var unauthenticated = await api.GetAsync("/api/prompts", key: null);
        Assert.Equal(401, unauthenticated.Status);
    }

    // Not on the Functions host: a missing build needs a host of its own (tens of seconds on a loaded machine), and the
    // answer is StaticSite's own, which the catch-all trigger above already reaches through the real host.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Without_a_build_the_root_explains_how_to_build_the_page(string kind)
    {
        var settings = new Dictionary<string, string?> { ["WebUi:RootPath"] = Path.Combine(_root, "does-not-exist") };
        await using var host = await Drivers.StartAsync(kind, settings);
        var page = await host.GetAsync("/", key: null);
        Assert.Equal(404, page.Status);
        Assert.Contains("npm run build", page.Body);
        Assert.Equal(200, (await host.GetAsync("/api/health", key: null)).Status);
    }
}
