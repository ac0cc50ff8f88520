using Microsoft.AspNetCore.Http;

namespace PromptFunctions.Core.Http;

/// <summary>The reply shapes several features share: conditional GETs of immutable or movable things, and creates.</summary>
public static class HttpReplies
{
    /// <summary>
    /// For what never changes under its URL (a dataset version, its pages), after <c>private</c> or <c>public</c>
    /// (<see cref="ApiOptions.ImmutableCacheControl"/>). Prompt versions are not: they can be deleted.
    /// </summary>
    public const string ImmutableDirectives = "max-age=31536000, immutable";

    /// <summary>
    /// Every API response whose route sets no caching of its own: authenticated answers are for their caller only,
    /// and are revalidated before reuse.
    /// </summary>
    public const string DefaultCacheControl = "private, no-cache";

    /// <summary>
    /// Responses differ by key only in whether they are allowed at all; Vary keeps a shared cache from serving one
    /// key's response to a request without that key.
    /// </summary>
    public const string VaryByKey = "Authorization, x-api-key";

    /// <summary>
    /// 304 when <c>If-None-Match</c> names <paramref name="entityId"/> (the entity tag's value without quotes; weak
    /// comparison, RFC 9110 13.1.2, so <c>W/"id"</c> matches too) or is <c>*</c>; otherwise 200 with
    /// <paramref name="body"/>. Both carry the validator and cache headers.
    /// </summary>
    /// <exception cref="ProblemException">400: the header is malformed.</exception>
    public static IResult ConditionalGet(HttpRequest request, string entityId, ReadOnlyMemory<byte> body, string cacheControl, string? quotedEntityTag = null)
    {
        var etag = quotedEntityTag ?? JsonResponses.Quote(entityId);
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0)
        {
            var tags = ApiCall.EntityTags(ifNoneMatch, "If-None-Match", out var any);
            if (any || tags!.Any(t => (t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : t) == entityId))
                return new EmptyResult(304) { ETag = etag, CacheControl = cacheControl, Vary = VaryByKey };
        }
        return new JsonBytesResult(200, body) { ETag = etag, CacheControl = cacheControl, Vary = VaryByKey };
    }

    /// <summary>
    /// The answer to a create of content-addressed things: 201 when this request stored it, 200 when identical
    /// content already existed; either way with its entity tag and location.
    /// </summary>
    public static JsonBytesResult Created(bool created, ReadOnlyMemory<byte> body, string entityId, string location) =>
        new(created ? 201 : 200, body) { ETag = JsonResponses.Quote(entityId), Location = location };
}
