using System.Globalization;

namespace PromptFunctions.Evaluation.Text;

/// <summary>Short, quotable descriptions of text for explanations that a person reads in a report.</summary>
public static class TextDifference
{
    private const int SnippetLength = 40;

    /// <summary>Where two texts first differ, with a snippet of each from there.</summary>
    public static string Describe(string expected, string actual)
    {
        var index = 0;
        var shorter = Math.Min(expected.Length, actual.Length);
        while (index < shorter && expected[index] == actual[index]) index++;
        // Never split a surrogate pair in a snippet.
        if (index > 0 && char.IsHighSurrogate(expected[Math.Min(index, expected.Length) - 1]) && index < shorter) index--;
        return $"first difference at character {index.ToString(CultureInfo.InvariantCulture)}: expected {Quote(expected, index)}, got {Quote(actual, index)}";
    }

    public static string Quote(string text, int start = 0)
    {
        if (start >= text.Length) return "the end of the text";
        var length = Math.Min(SnippetLength, text.Length - start);
        if (length < text.Length - start && char.IsHighSurrogate(text[start + length - 1])) length--;
        var snippet = text.Substring(start, length);
        return length < text.Length - start ? $"\"{snippet}…\"" : $"\"{snippet}\"";
    }

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
