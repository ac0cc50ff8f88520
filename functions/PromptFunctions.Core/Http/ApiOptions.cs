using System.ComponentModel.DataAnnotations;

namespace PromptFunctions.Core.Http;

/// <summary>
/// Limits every API route shares. They live in the <c>PromptHub</c> section, where they have always been set, next
/// to the prompt settings of <see cref="Prompts.PromptHubOptions"/>.
/// </summary>
public sealed class ApiOptions
{
    public const string Section = "PromptHub";

    /// <summary>Largest accepted request body; larger bodies get 413 before anything is parsed.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Upper bound of <c>limit</c> on paged listings.</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;

    /// <summary>
    /// Whether shared caches (a CDN, a proxy) may store the fetch responses that allow caching: <c>public</c> instead
    /// of the default <c>private</c>. Every response needs a key, so turn this on only behind a cache that
    /// authenticates each request itself; <c>Vary: Authorization, x-api-key</c> is sent either way.
    /// </summary>
    public bool SharedCaching { get; set; }

    /// <summary>The <c>Cache-Control</c> of a cacheable response: <paramref name="directives"/> after <c>private</c> or <c>public</c>.</summary>
    public string CacheControl(string directives) => (SharedCaching ? "public, " : "private, ") + directives;

    /// <summary>For what never changes under its URL (a dataset version, its pages).</summary>
    public string ImmutableCacheControl => SharedCaching ? "public, " + HttpReplies.ImmutableDirectives : "private, " + HttpReplies.ImmutableDirectives;
}
