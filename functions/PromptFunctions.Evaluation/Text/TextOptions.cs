using System.Globalization;
using System.Text;

namespace PromptFunctions.Evaluation.Text;

public enum UnicodeNormalization
{
    None,
    Nfc,
    Nfd,
    Nfkc,
    Nfkd,
}

/// <summary>
/// How text is prepared before a comparison. Both sides go through the same steps, in this order: Unicode
/// normalization, punctuation removal, whitespace collapsing, trimming, case folding.
/// </summary>
public sealed record TextOptions
{
    public bool CaseSensitive { get; init; } = true;
    public bool Trim { get; init; }
    public bool CollapseWhitespace { get; init; }
    public bool StripPunctuation { get; init; }
    public UnicodeNormalization Normalization { get; init; } = UnicodeNormalization.None;

    /// <summary>
    /// False in a process running with globalization-invariant mode, where <see cref="string.Normalize()"/> returns its
    /// input unchanged; the spec parser then rejects a normalization option instead of silently ignoring it.
    /// </summary>
    public static bool NormalizationSupported { get; } = "e\u0301".Normalize(NormalizationForm.FormC) == "\u00e9";

    public string Apply(string text)
    {
        if (Normalization != UnicodeNormalization.None && text.Length > 0)
            text = text.Normalize(Normalization switch
            {
                UnicodeNormalization.Nfc => NormalizationForm.FormC,
                UnicodeNormalization.Nfd => NormalizationForm.FormD,
                UnicodeNormalization.Nfkc => NormalizationForm.FormKC,
                _ => NormalizationForm.FormKD,
            });
        if (StripPunctuation) text = RemovePunctuation(text);
        if (CollapseWhitespace) text = CollapseRuns(text);
        if (Trim) text = text.Trim();
        // Upper then lower maps both 'ſ' and the Kelvin sign onto plain letters, which either step alone misses.
        if (!CaseSensitive) text = text.ToUpperInvariant().ToLowerInvariant();
        return text;
    }

    public static string NormalizationName(UnicodeNormalization form) => form switch
    {
        UnicodeNormalization.None => "none",
        UnicodeNormalization.Nfc => "nfc",
        UnicodeNormalization.Nfd => "nfd",
        UnicodeNormalization.Nfkc => "nfkc",
        UnicodeNormalization.Nfkd => "nfkd",
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };

    public static bool TryParseNormalization(string? text, out UnicodeNormalization form)
    {
        foreach (var candidate in Enum.GetValues<UnicodeNormalization>())
        {
            if (NormalizationName(candidate) == text)
            {
                form = candidate;
                return true;
            }
        }
        form = default;
        return false;
    }

    private static string RemovePunctuation(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (!IsPunctuation(Rune.GetUnicodeCategory(rune))) builder.Append(rune.ToString());
        }
        return builder.ToString();
    }

    private static bool IsPunctuation(UnicodeCategory category) => category is UnicodeCategory.ConnectorPunctuation
        or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
        or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    private static string CollapseRuns(string text)
    {
        var builder = new StringBuilder(text.Length);
        var inWhitespace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!inWhitespace) builder.Append(' ');
                inWhitespace = true;
            }
            else
            {
                builder.Append(c);
                inWhitespace = false;
            }
        }
        return builder.ToString();
    }
}
