using System.Text.RegularExpressions;

namespace PromptFunctions.Prompts;

/// <summary>Names that become storage keys and URL segments; validated before any use.</summary>
public static partial class Identifiers
{
    public const int MaxPromptNameLength = 128;
    public const int MaxTagNameLength = 64;

    [GeneratedRegex("^[a-z0-9]([_a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex("^[a-f0-9]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionIdPattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionNamePattern();

    public static bool IsPromptName(string? name) => name is { Length: > 0 and <= MaxPromptNameLength } && IdentifierPattern().IsMatch(name);

    public static bool IsTagName(string? name) => name is { Length: > 0 and <= MaxTagNameLength } && IdentifierPattern().IsMatch(name);

    /// <summary>A content id: 64 lowercase hex characters.</summary>
    public static bool IsVersionId(string? id) => id is { Length: 64 } && VersionIdPattern().IsMatch(id);

    public static bool IsPlaceholderName(string? name) => name is { Length: > 0 and <= 128 } && PlaceholderPattern().IsMatch(name);

    public static bool IsFunctionName(string? name) => name is not null && FunctionNamePattern().IsMatch(name);

    public const string PromptNameRule = "a prompt name has 1-128 characters: lowercase letters, digits, '_' and '-', starting and ending with a letter or digit";
    public const string TagNameRule = "a tag name has 1-64 characters: lowercase letters, digits, '_' and '-', starting and ending with a letter or digit";
}
