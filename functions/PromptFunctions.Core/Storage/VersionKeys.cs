using System.Globalization;

namespace PromptFunctions.Core.Storage;

/// <summary>
/// Row keys of a versioned thing (prompt or dataset) in its partition: each version under its sequence number,
/// inverted so an ascending scan lists the newest first, and again under its content id for lookups.
/// </summary>
internal static class VersionKeys
{
    private const long MaxSequence = 9_999_999_999;

    public static string Inverted(long number) => (MaxSequence - number).ToString("D10", CultureInfo.InvariantCulture);

    public static string BySequence(long sequence) => $"v|{Inverted(sequence)}";

    public const string BySequenceStart = "v|";
    public const string BySequenceEnd = "v}";

    public static string ById(string id) => $"id|{id}";
}
