namespace PromptFunctions.Core.Storage;

/// <summary>
/// What one table entity holds: a string property at most 64 KiB of UTF-16 (32,768 characters), an entity at most
/// 1 MiB. Values that can be longer are checked against <see cref="MaxInlineChars"/> before they are written, and
/// either go to a blob or are refused with a 4xx that names them; storage never gets the chance to answer 400.
/// </summary>
public static class TableLimits
{
    /// <summary>Longest string written inline, with room to spare under the property limit.</summary>
    public const int MaxInlineChars = 30_000;

    public static bool FitsInline(string? value) => value is null || value.Length <= MaxInlineChars;
}
