using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Web;

/// <summary>Section <c>WebUi</c>: where the built web page lives.</summary>
public sealed class WebUiOptions
{
    public const string Section = "WebUi";

    /// <summary>The folder holding <c>index.html</c> and <c>assets/</c> (the web project's build output).</summary>
    public string RootPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "webui");
}

/// <summary>
/// Serves the web page from the built files of functions/PromptFunctions.Web, for every host. Files under
/// <c>assets/</c> carry a content hash in their names, so they are cached for a year as immutable; everything else,
/// above all <c>index.html</c>, is revalidated on every load so that a deployment shows at once. A path that names
/// no file and has no extension is a page of the client-side router, answered with <c>index.html</c>. Paths under
/// <c>/api</c> (and the Functions host's own prefixes) are never the page's: they get <see cref="UnmatchedRoutes"/>' 404 or 405.
/// </summary>
public sealed class StaticSite(IOptions<WebUiOptions> options)
{
    public const string ImmutableCacheControl = "public, max-age=31536000, immutable";
    public const string RevalidateCacheControl = "no-cache";

    // The page talks only to its own origin and runs only its own scripts; this is what makes a stolen API key in
    // session storage hard to reach from injected content.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".json"] = "application/json; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
        [".woff2"] = "font/woff2",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly Lazy<FrozenDictionary<string, SiteFile>?> _files = new(() => Load(options.Value.RootPath));

    /// <summary>True when the built page was found (a host without it still serves the API).</summary>
    public bool IsAvailable => _files.Value is { Count: > 0 } files && files.ContainsKey("index.html");

    public Task<IResult> ServeAsync(HttpRequest request, string? path)
    {
        var relative = (path ?? request.Path.Value ?? "").TrimStart('/');
        // The API's and the Functions host's paths: the answer the local host's routing layer gives (404, or 405 when an
        // API route has the path but another method), in Langfuse's error form under its paths.
        if (!UnmatchedRoutes.IsPagePath(relative))
            return Task.FromResult(UnmatchedRoutes.Answer(request));
        var files = _files.Value;
        if (files is null || !files.TryGetValue("index.html", out var index))
            return Task.FromResult<IResult>(NotBuilt());

        if (files.TryGetValue(relative, out var file) && !file.Name.Equals("index.html", StringComparison.Ordinal))
            return Task.FromResult<IResult>(new SiteFileResult(file, IsHashed(relative) ? ImmutableCacheControl : RevalidateCacheControl, null));
        // A missing script or style must not be answered with the page, which the browser would then try to run.
        if (Path.HasExtension(relative.Split('/')[^1]))
            return Task.FromResult<IResult>(Results.Text($"No file {relative} in the web page's build.", "text/plain; charset=utf-8", statusCode: 404));
        return Task.FromResult<IResult>(new SiteFileResult(index, RevalidateCacheControl, ContentSecurityPolicy));
    }

    private static bool IsHashed(string relative) => relative.StartsWith("assets/", StringComparison.Ordinal);

    private static IResult NotBuilt() => Results.Content(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>PromptFunctions</title></head><body><main>" +
        "<h1>The web page is not built</h1><p>The API is running. To get the page, build it with " +
        "<code>npm ci &amp;&amp; npm run build</code> in <code>functions/PromptFunctions.Web</code> (<code>./run.sh</code> does this), " +
        "then rebuild the host.</p></main></body></html>",
        "text/html; charset=utf-8", statusCode: 404);

    private static FrozenDictionary<string, SiteFile>? Load(string root)
    {
        if (!Directory.Exists(root)) return null;
        var files = new Dictionary<string, SiteFile>(StringComparer.Ordinal);
        foreach (var full in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, full).Replace('\\', '/');
            var extension = Path.GetExtension(relative);
            if (extension is ".br" or ".gz") continue;
            if (!ContentTypes.TryGetValue(extension, out var contentType)) continue;
            var bytes = File.ReadAllBytes(full);
            // Compressed copies made at build time are served when the client accepts them; the entity tag
            // follows the uncompressed content, with the encoding marked as a suffix.
            var brotli = File.Exists(full + ".br") ? File.ReadAllBytes(full + ".br") : null;
            var gzip = File.Exists(full + ".gz") ? File.ReadAllBytes(full + ".gz") : null;
            var etag = Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12));
            files[relative] = new SiteFile(relative, contentType, etag, bytes, brotli, gzip);
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>One built file held in memory (the whole build is a few hundred kilobytes), with its compressed copies.</summary>
public sealed record SiteFile(string Name, string ContentType, string ETag, byte[] Identity, byte[]? Brotli, byte[]? Gzip);

internal sealed class SiteFileResult(SiteFile file, string cacheControl, string? contentSecurityPolicy) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        var response = httpContext.Response;
        var (body, encoding) = ChooseEncoding(request.Headers.AcceptEncoding.ToString());
        var etag = encoding is null ? $"\"{file.ETag}\"" : $"\"{file.ETag}-{encoding}\"";
        response.Headers.CacheControl = cacheControl;
        response.Headers.ETag = etag;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        if (file.Brotli is not null || file.Gzip is not null) response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (contentSecurityPolicy is not null) response.Headers.ContentSecurityPolicy = contentSecurityPolicy;

        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && EntityTagHeaderValue.TryParseList([ifNoneMatch], out var tags) &&
            tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Tag.Value == etag))
        {
            response.StatusCode = 304;
            return Task.CompletedTask;
        }
        response.StatusCode = 200;
        response.ContentType = file.ContentType;
        if (encoding is not null) response.Headers.ContentEncoding = encoding;
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }

    private (byte[] Body, string? Encoding) ChooseEncoding(string acceptEncoding)
    {
        if (acceptEncoding.Length == 0 || !StringWithQualityHeaderValue.TryParseList([acceptEncoding], out var accepted)) return (file.Identity, null);
        bool Accepts(string coding) => accepted.Any(a => a.Value.Equals(coding, StringComparison.OrdinalIgnoreCase) && (a.Quality ?? 1) > 0);
        if (file.Brotli is not null && Accepts("br")) return (file.Brotli, "br");
        if (file.Gzip is not null && Accepts("gzip")) return (file.Gzip, "gzip");
        return (file.Identity, null);
    }
}
