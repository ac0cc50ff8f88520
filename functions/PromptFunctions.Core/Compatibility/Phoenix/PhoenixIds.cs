using System.Buffers.Text;
using System.Text;
using PromptFunctions.Prompts;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Compatibility.Phoenix;

/// <summary>
/// Phoenix ids are Relay GlobalIDs, <c>base64("Type:id")</c>, which clients treat as opaque. Ours carry the
/// prompt name (and content id or tag name) instead of a row number, so they need no id table and live exactly
/// as long as what they name. They are base64url without padding, so every id is a plain path segment: a '/' in
/// an id would split the route, and its escaped form '%2F' stays undecoded in route values on both hosts.
/// For the texts we encode (ASCII letters, digits, '_', '-', ':') the standard alphabet yields no '+' or '/'
/// either, since those need six set bits that such bytes never line up; so the standard, padded encoding of an
/// id (Phoenix's own style) differs only by its '=' padding, and is accepted too.
/// </summary>
public static class PhoenixIds
{
    private const string PromptPrefix = "Prompt:";
    private const string VersionPrefix = "PromptVersion:";
    private const string TagPrefix = "PromptVersionTag:";

    // Prefix + a 128-character name + ':' + 64-character id, base64-expanded, with room to spare.
    private const int MaxIdLength = 400;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Prompt(string prompt) => Encode(PromptPrefix + prompt);

    public static string Version(string prompt, string versionId) => Encode($"{VersionPrefix}{prompt}:{versionId}");

    public static string Tag(string prompt, string tag) => Encode($"{TagPrefix}{prompt}:{tag}");

    /// <summary>The prompt name inside a Prompt GlobalID, or null when <paramref name="id"/> is not one.</summary>
    public static string? ParsePrompt(string? id) =>
        Decode(id) is { } text && text.StartsWith(PromptPrefix, StringComparison.Ordinal) && text[PromptPrefix.Length..] is var name && Identifiers.IsPromptName(name)
            ? name
            : null;

    /// <summary>The prompt and content id inside a PromptVersion GlobalID, or null when <paramref name="id"/> is not one.</summary>
    public static (string Prompt, string VersionId)? ParseVersion(string? id) =>
        Split(Decode(id), VersionPrefix) is var (prompt, versionId) && Identifiers.IsVersionId(versionId) ? (prompt, versionId) : null;

    /// <summary>The prompt and tag name inside a PromptVersionTag GlobalID, or null when <paramref name="id"/> is not one.</summary>
    public static (string Prompt, string Tag)? ParseTag(string? id) =>
        Split(Decode(id), TagPrefix) is var (prompt, tag) && Identifiers.IsTagName(tag) ? (prompt, tag) : null;

    private static (string Prompt, string Value)? Split(string? text, string prefix)
    {
        if (text is null || !text.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var body = text.AsSpan(prefix.Length);
        var colon = body.IndexOf(':');
        if (colon < 0) return null;
        var prompt = body[..colon].ToString();
        return Identifiers.IsPromptName(prompt) ? (prompt, body[(colon + 1)..].ToString()) : null;
    }

    private static string Encode(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    private static string? Decode(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength) return null;
        var normalized = id.TrimEnd('=');
        if (!Base64Url.IsValid(normalized)) return null;
        try
        {
            return StrictUtf8.GetString(Base64Url.DecodeFromChars(normalized));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }
    }
}
