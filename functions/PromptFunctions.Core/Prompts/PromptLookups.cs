using System.Globalization;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Http;
using PromptFunctions.Prompts;

namespace PromptFunctions.Core.Prompts;

/// <summary>The lookups the native prompt and tag routes share: a prompt or version that must exist, and version references.</summary>
public sealed class PromptLookups(PromptReader reader, PromptCatalog catalog, IOptions<PromptHubOptions> options, IOptions<ApiOptions> api)
{
    public PromptReader Reader => reader;
    public PromptCatalog Catalog => catalog;

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
    public async Task<VersionDocument> RequireVersionAsync(string name, string id, ApiCall call)
    {
        var prompt = ApiCall.PromptName(name);
        if (!IsVersionReference(id)) throw ProblemException.BadRequest($"'{ApiCall.Printable(id)}' is not a version id (64 lowercase hex characters) or v{{sequence}}.");
        var record = await catalog.ResolveVersionAsync(prompt, id, call.Aborted)
            ?? throw ProblemException.NotFound(await reader.GetPromptAsync(prompt, call.Aborted) is null
                ? $"Prompt '{prompt}' does not exist."
                : $"Prompt '{prompt}' has no version '{id}'.");
        return await RequireDocumentAsync(record, call.Aborted);
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
