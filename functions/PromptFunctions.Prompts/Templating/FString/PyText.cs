using System.Globalization;
using System.Text;

namespace PromptFunctions.Prompts.Templating.FString;

/// <summary>Python's <c>str()</c>, <c>repr()</c> and <c>ascii()</c> of the values JSON can hold.</summary>
internal static class PyText
{
    /// <summary>str(): the text itself for a str, repr() for everything else (as for Python's built-in types).</summary>
    public static string Str(PyValue value) => value is PyStr s ? s.Value : Repr(value);

    public static string Repr(PyValue value)
    {
        var text = new StringBuilder();
        AppendRepr(text, value);
        return text.ToString();
    }

    /// <summary>repr() with every non-ASCII code point escaped as \xhh, \uhhhh or \Uhhhhhhhh.</summary>
    public static string Ascii(PyValue value)
    {
        var repr = Repr(value);
        var text = new StringBuilder(repr.Length);
        foreach (var codePoint in CodePoints.Of(repr))
        {
            if (codePoint < 0x80) text.Append((char)codePoint);
            else AppendEscape(text, codePoint);
        }
        return text.ToString();
    }

    private static void AppendRepr(StringBuilder text, PyValue value)
    {
        switch (value)
        {
            case PyStr s:
                AppendQuoted(text, s.Value);
                break;
            case PyInt i:
                text.Append(i.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case PyFloat f:
                text.Append(PyFloatText.Repr(f.Value));
                break;
            case PyBool b:
                text.Append(b.Value ? "True" : "False");
                break;
            case PyNone:
                text.Append("None");
                break;
            case PyList list:
                text.Append('[');
                for (var i = 0; i < list.Items.Count; i++)
                {
                    if (i > 0) text.Append(", ");
                    AppendRepr(text, list.Items[i]);
                }
                text.Append(']');
                break;
            case PyDict dict:
                text.Append('{');
                for (var i = 0; i < dict.Entries.Count; i++)
                {
                    if (i > 0) text.Append(", ");
                    AppendQuoted(text, dict.Entries[i].Key);
                    text.Append(": ");
                    AppendRepr(text, dict.Entries[i].Value);
                }
                text.Append('}');
                break;
        }
    }

    /// <summary>
    /// CPython's <c>unicode_repr</c>: single quotes unless the text has a single quote and no double quote; the chosen
    /// quote and backslash are escaped; \t \n \r by name; other ASCII controls and non-printable code points by number.
    /// </summary>
    private static void AppendQuoted(StringBuilder text, string value)
    {
        var quote = value.Contains('\'') && !value.Contains('"') ? '"' : '\'';
        text.Append(quote);
        foreach (var codePoint in CodePoints.Of(value))
        {
            switch (codePoint)
            {
                case var c when c == quote || c == '\\':
                    text.Append('\\').Append((char)c);
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case < ' ' or 0x7F:
                    AppendEscape(text, codePoint);
                    break;
                case < 0x7F:
                    text.Append((char)codePoint);
                    break;
                default:
                    if (IsPrintable(codePoint)) CodePoints.Append(text, codePoint);
                    else AppendEscape(text, codePoint);
                    break;
            }
        }
        text.Append(quote);
    }

    private static void AppendEscape(StringBuilder text, int codePoint)
    {
        if (codePoint <= 0xFF) text.Append("\\x").Append(codePoint.ToString("x2", CultureInfo.InvariantCulture));
        else if (codePoint <= 0xFFFF) text.Append("\\u").Append(codePoint.ToString("x4", CultureInfo.InvariantCulture));
        else text.Append("\\U").Append(codePoint.ToString("x8", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Python's <c>str.isprintable</c> for one code point: not a control, format, surrogate, private-use or unassigned
    /// character, and not a separator other than the ASCII space. Uses .NET's Unicode tables, which may be a newer
    /// Unicode version than a given Python's.
    /// </summary>
    private static bool IsPrintable(int codePoint)
    {
        if (codePoint == ' ') return true;
        if (codePoint is >= 0xD800 and <= 0xDFFF) return false;
        return CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }
}

/// <summary>
/// Python strings are sequences of code points, so widths, precisions and indexes count code points, not UTF-16
/// units. A lone surrogate in a .NET string counts as one code point, as it would in Python.
/// </summary>
internal static class CodePoints
{
    public static IEnumerable<int> Of(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                yield return char.ConvertToUtf32(text[i], text[i + 1]);
                i++;
            }
            else
            {
                yield return text[i];
            }
        }
    }

    public static int Count(string text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            count++;
        }
        return count;
    }

    /// <summary>The first <paramref name="count"/> code points of <paramref name="text"/>.</summary>
    public static string Prefix(string text, int count)
    {
        var end = 0;
        for (var taken = 0; taken < count && end < text.Length; taken++)
        {
            end += char.IsHighSurrogate(text[end]) && end + 1 < text.Length && char.IsLowSurrogate(text[end + 1]) ? 2 : 1;
        }
        return text[..end];
    }

    /// <summary>One code point as text; a lone surrogate stays a single char (ConvertFromUtf32 would reject it).</summary>
    public static string ToText(int codePoint) =>
        codePoint >= 0x10000 ? char.ConvertFromUtf32(codePoint) : ((char)codePoint).ToString();

    public static void Append(StringBuilder text, int codePoint)
    {
        if (codePoint >= 0x10000) text.Append(char.ConvertFromUtf32(codePoint));
        else text.Append((char)codePoint);
    }

    public static void Append(StringBuilder text, int codePoint, int repeat)
    {
        for (var i = 0; i < repeat; i++) Append(text, codePoint);
    }
}
