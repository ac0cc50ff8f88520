using System.Text;

namespace PromptFunctions.Prompts.Templating.FString;

/// <summary>
/// A formatted number before padding: <c>[sign][prefix][digits][.][remainder]</c>, where only <see cref="Digits"/>
/// is grouped and zero-padded. <see cref="Remainder"/> holds what follows the point (fraction, exponent, '%'), or
/// the character for type 'c', or "inf"/"nan".
/// </summary>
internal sealed record NumberParts(bool IsNegative, string Prefix, string Digits, bool HasDecimalPoint, string Remainder);

/// <summary>CPython's <c>calc_number_widths</c>, <c>fill_number</c> and <c>_PyUnicode_InsertThousandsGrouping</c>.</summary>
internal static class NumberLayout
{
    /// <param name="parts">The number.</param>
    /// <param name="spec">Sign, fill, alignment and width come from here.</param>
    /// <param name="separator">Thousands separator ("" for none).</param>
    /// <param name="groupSize">Digits per group (0 for no grouping).</param>
    /// <param name="upperCase">Upper-case the prefix and digits (type 'X').</param>
    public static string Render(NumberParts parts, FormatSpec spec, string separator, int groupSize, bool upperCase)
    {
        var sign = spec.Sign switch
        {
            '+' => parts.IsNegative ? "-" : "+",
            ' ' => parts.IsNegative ? "-" : " ",
            _ => parts.IsNegative ? "-" : "",
        };
        var nonDigitWidth = sign.Length + parts.Prefix.Length + (parts.HasDecimalPoint ? 1 : 0)
            + CodePoints.Count(parts.Remainder);

        // With '0' fill and '=' alignment the padding is made of digits, so it is grouped like digits.
        var minDigitsWidth = spec.Fill == '0' && spec.Align == '=' ? spec.Width - nonDigitWidth : 0;
        var grouped = parts.Digits.Length == 0 ? "" : Group(parts.Digits, minDigitsWidth, separator, groupSize);

        var padding = Math.Max(0, spec.Width - (nonDigitWidth + grouped.Length));
        var (left, signAware, right) = spec.Align switch
        {
            '<' => (0, 0, padding),
            '^' => (padding / 2, 0, padding - padding / 2),
            '=' => (0, padding, 0),
            _ => (padding, 0, 0),
        };

        var text = new StringBuilder();
        CodePoints.Append(text, spec.Fill, left);
        text.Append(sign);
        text.Append(upperCase ? parts.Prefix.ToUpperInvariant() : parts.Prefix);
        CodePoints.Append(text, spec.Fill, signAware);
        text.Append(upperCase ? grouped.ToUpperInvariant() : grouped);
        if (parts.HasDecimalPoint) text.Append('.');
        text.Append(parts.Remainder);
        CodePoints.Append(text, spec.Fill, right);
        return text.ToString();
    }

    /// <summary>
    /// Inserts separators every <paramref name="groupSize"/> digits from the right and pads with leading zeros until
    /// the result is at least <paramref name="minWidth"/> wide (separators count towards the width, and a group of
    /// padding zeros gets a separator too: <c>format(1234, '010,')</c> is <c>'00,001,234'</c>).
    /// </summary>
    private static string Group(string digits, int minWidth, string separator, int groupSize)
    {
        var pieces = new List<string>();
        var remaining = digits.Length;
        var useSeparator = false;
        var finished = false;

        void Take(int length)
        {
            var zeros = Math.Max(0, length - remaining);
            var taken = Math.Max(0, Math.Min(remaining, length));
            if (useSeparator) pieces.Add(separator);
            pieces.Add(digits.Substring(remaining - taken, taken));
            if (zeros > 0) pieces.Add(new string('0', zeros));
            remaining -= taken;
        }

        if (groupSize > 0)
        {
            while (true)
            {
                var length = Math.Min(groupSize, Math.Max(Math.Max(remaining, minWidth), 1));
                Take(length);
                useSeparator = true;
                minWidth -= length;
                if (remaining <= 0 && minWidth <= 0)
                {
                    finished = true;
                    break;
                }
                minWidth -= separator.Length;
            }
        }
        if (!finished) Take(Math.Max(Math.Max(remaining, minWidth), 1));

        pieces.Reverse();
        return string.Concat(pieces);
    }
}
