using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Telemetry;
using PromptFunctions.Prompts;

namespace PromptFunctions.Core.Prompts;

/// <summary>The lookups the native prompt and tag routes share: a prompt or version that must exist, and version references.</summary>
public sealed class PromptLookups(PromptReader reader, PromptCatalog catalog, IOptions<PromptHubOptions> options, IOptions<ApiOptions> api, PromptFunctionsMetrics metrics)
{
    public PromptReader Reader => reader;
    public PromptCatalog Catalog => catalog;
    public PromptFunctionsMetrics Metrics => metrics;

    /// <summary><c>Cache-Control</c> of tag and latest responses: short, because the target moves.</summary>
    public string MovableCacheControl { get; } = api.Value.CacheControl(string.Create(CultureInfo.InvariantCulture,
        $"max-age={options.Value.TagResponseMaxAgeSeconds}, stale-while-revalidate={options.Value.TagResponseStaleWhileRevalidateSeconds}"));

    /// <summary><c>Cache-Control</c> of a version by id or <c>v{n}</c>: longer, but not immutable, since versions can be deleted.</summary>
    public string VersionCacheControl { get; } = api.Value.CacheControl(string.Create(CultureInfo.InvariantCulture, $"max-age={options.Value.VersionResponseMaxAgeSeconds}"));

    public async Task<PromptRecord> RequirePromptAsync(string name, ApiCall call)
    {
        var prompt = ApiCall.PromptName(name);
        return await reader.GetPromptAsync(prompt, call.Aborted) ?? throw ProblemException.NotFound($"Prompt '{prompt}' does not exist.");
    }

    /// <summary>A version by content id or <c>v{n}</c>, with its document; 400 for a malformed reference, 404 for a missing one.</summary>
    /// <param name="fetchRoute">The route to count a found version under in the fetch metrics, when the route is a fetch.</param>
    public async Task<VersionDocument> RequireVersionAsync(string name, string id, ApiCall call, string? fetchRoute = null)
    {
        var started = Stopwatch.GetTimestamp();
        var prompt = ApiCall.PromptName(name);
        if (!IsVersionReference(id)) throw ProblemException.BadRequest($"'{ApiCall.Printable(id)}' is not a version id (64 lowercase hex characters) or v{{sequence}}.");
        var record = await catalog.ResolveVersionAsync(prompt, id, out var cached, call.Aborted)
            ?? throw ProblemException.NotFound(await reader.GetPromptAsync(prompt, call.Aborted) is null
                ? $"Prompt '{prompt}' does not exist."
                : $"Prompt '{prompt}' has no version '{id}'.");
        var document = await RequireDocumentAsync(record, call.Aborted);
        if (fetchRoute is not null) metrics.RecordFetch(fetchRoute, cached, started);
        return document;
    }

    public async Task<VersionDocument> RequireDocumentAsync(VersionRecord record, CancellationToken cancellationToken) =>
        await catalog.GetDocumentAsync(record, cancellationToken) ?? throw MissingContent(record);

    /// <summary>A version id (64 lowercase hex characters) or <c>v{sequence}</c> without leading zeros.</summary>
    public static bool IsVersionReference(string reference) =>
        Identifiers.IsVersionId(reference) ||
        (reference.Length is > 1 and <= 11 && reference[0] == 'v' && reference.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0 && reference[1] != '0');

    /// <summary>A record without its content blob cannot happen through the service (content is written first); it is a fault, not a caller error.</summary>
    public static InvalidOperationException MissingContent(VersionRecord record) =>
        new($"Version {record.Id} of '{record.Prompt}' has a record but no content blob.");
}
