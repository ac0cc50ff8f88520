using System.Text;

namespace PromptFunctions.Evaluation.Text;

/// <summary>
/// Edit distance over Unicode code points rather than UTF-16 units: an emoji swapped for another is one edit, not two.
/// </summary>
internal static class CodePoints
{
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

    /// <summary>
    /// Rewrites both texts so that each supplementary code point becomes one private-use character that neither text
    /// contains, the same one in both texts; equal code points stay equal and distinct ones stay distinct.
    /// </summary>
    public static (string A, string B) ToSingleUnits(string a, string b)
    {
        if (!HasSurrogatePair(a) && !HasSurrogatePair(b)) return (a, b);
        var used = new HashSet<char>();
        foreach (var c in a) used.Add(c);
        foreach (var c in b) used.Add(c);
        var map = new Dictionary<int, char>();
        var next = '\uE000';
        char Assign(Rune rune)
        {
            if (map.TryGetValue(rune.Value, out var existing)) return existing;
            while (used.Contains(next))
            {
                if (next == '\uF8FF') throw new InvalidOperationException("more distinct supplementary characters than the private use area holds");
                next++;
            }
            used.Add(next);
            map[rune.Value] = next;
            return next;
        }
        string Rewrite(string text)
        {
            var builder = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    builder.Append(Assign(new Rune(text[i], text[i + 1])));
                    i++;
                }
                else builder.Append(text[i]);
            }
            return builder.ToString();
        }
        return (Rewrite(a), Rewrite(b));
    }

    private static bool HasSurrogatePair(string text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1])) return true;
        return false;
    }
}
