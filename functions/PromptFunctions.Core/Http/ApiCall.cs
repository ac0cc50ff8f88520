using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using PromptFunctions.Core.Auth;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Http;

/// <summary>One authenticated request, with the parsing helpers handlers share.</summary>
public sealed class ApiCall(HttpRequest request, ApiPrincipal principal, ApiOptions options)
{
    public HttpRequest Request { get; } = request;
    public ApiPrincipal Principal { get; } = principal;
    public CancellationToken Aborted => Request.HttpContext.RequestAborted;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Reads the body as JSON within the configured size limit (413 beyond it, 400 if malformed).</summary>
    public async Task<JsonNode?> ReadJsonAsync(bool required = true)
    {
        var limit = options.MaxRequestBodyBytes;
        if (Request.ContentLength > limit) throw TooLarge(limit);
        var contentType = Request.ContentType;
        if (contentType is not null && !IsJson(contentType))
            throw new ProblemException(415, "Unsupported media type", $"Send the body as application/json, not '{contentType}'.");

        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await Request.Body.ReadAsync(memory, Aborted);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) throw TooLarge(limit);
        }
        if (buffer.WrittenCount == 0)
        {
            if (required) throw ProblemException.BadRequest("The request needs a JSON body.");
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.WrittenMemory, DocumentOptions);
            // Before anything reads a name or a number: a lone surrogate or 1e400 must be a 422 naming its path.
            if (JsonInput.Faults(document.RootElement) is { Count: > 0 } faults) throw ProblemException.Invalid(faults);
            CheckDuplicateMembers(document.RootElement, "$");
            return JsonNode.Parse(buffer.WrittenSpan, documentOptions: DocumentOptions);
        }
        catch (JsonException e)
        {
            throw ProblemException.BadRequest($"The body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>A repeated member name is ambiguous (which one wins differs between parsers), so it is rejected.</summary>
    private static void CheckDuplicateMembers(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    var memberPath = ValidatingJsonReader.Member(path, property.Name);
                    if (!seen.Add(property.Name)) throw ProblemException.BadRequest($"The body repeats the member {memberPath}.");
                    CheckDuplicateMembers(property.Value, memberPath);
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray()) CheckDuplicateMembers(item, ValidatingJsonReader.Index(path, index++));
                break;
        }
    }

    private static bool IsJson(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) &&
        (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
         media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true);

    private static ProblemException TooLarge(int limit) =>
        new(413, "Payload too large", $"The body exceeds the limit of {limit.ToString(CultureInfo.InvariantCulture)} bytes.");

    /// <summary>The body as an object, closed to <paramref name="allowed"/> members (422 listing every fault).</summary>
    public async Task<JsonObject> ReadObjectAsync(params string[] allowed)
    {
        var node = await ReadJsonAsync();
        return ExpectObject(node, allowed);
    }

    public static JsonObject ExpectObject(JsonNode? node, params string[] allowed)
    {
        var cursor = new ValidatingJsonReader();
        var obj = cursor.Object(node, "$");
        if (obj is not null) cursor.Closed(obj, "$", allowed);
        if (cursor.Faults.Count > 0) throw ProblemException.Invalid(cursor.Faults);
        return obj!;
    }

    /// <summary>Upper bound of <c>limit</c> on paged listings.</summary>
    public int MaxPageSize => options.MaxPageSize;

    /// <summary>The API-wide settings, for the caching they allow.</summary>
    public ApiOptions Options => options;

    public int Limit()
    {
        var text = Request.Query["limit"].ToString();
        if (text.Length == 0) return Math.Min(50, options.MaxPageSize);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1 || limit > options.MaxPageSize)
            throw ProblemException.BadRequest($"'limit' must be an integer from 1 to {options.MaxPageSize}, got '{text}'.");
        return limit;
    }

    public string? Query(string name)
    {
        var values = Request.Query[name];
        if (values.Count > 1) throw ProblemException.BadRequest($"Give '{name}' once.");
        var value = values.ToString();
        return value.Length == 0 ? null : value;
    }

    public static string PromptName(string? name)
    {
        if (!Identifiers.IsPromptName(name))
            throw ProblemException.BadRequest($"'{Printable(name)}' is not a valid prompt name: {Identifiers.PromptNameRule}.");
        return name!;
    }

    public static string TagName(string? tag, string what = "tag")
    {
        if (!Identifiers.IsTagName(tag))
            throw ProblemException.BadRequest($"'{Printable(tag)}' is not a valid {what} name: {Identifiers.TagNameRule}.");
        return tag!;
    }

    /// <summary>Echoes caller input safely: control characters escaped, long input cut.</summary>
    public static string Printable(string? text)
    {
        if (text is null) return "";
        var cut = text.Length > 80 ? text[..80] + "..." : text;
        return string.Concat(cut.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    /// <summary>Parses If-Match / If-None-Match: <c>*</c>, or a list of strong entity tags.</summary>
    public static IReadOnlyList<string>? EntityTags(string headerValue, string headerName, out bool any)
    {
        any = false;
        var text = headerValue.Trim();
        if (text.Length == 0) return null;
        if (text == "*")
        {
            any = true;
            return [];
        }
        if (!EntityTagHeaderValue.TryParseList([text], out var parsed) || parsed.Count == 0)
            throw ProblemException.BadRequest($"'{headerName}' must be '*' or a list of quoted entity tags such as \"<version id>\".");
        return parsed.Select(tag => (tag.IsWeak ? "W/" : "") + tag.Tag.Value!.Trim('"')).ToList();
    }
}
