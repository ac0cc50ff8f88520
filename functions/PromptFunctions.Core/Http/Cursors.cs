using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace PromptFunctions.Core.Http;

/// <summary>Opaque page cursors: base64url of the last key returned, so callers cannot mistake them for ids.</summary>
public static class Cursors
{
    public static string? Encode(string? position) =>
        position is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(position));

    public static string? Decode(string? cursor)
    {
        if (cursor is null) return null;
        try
        {
            if (cursor.Length > 400) throw new FormatException();
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw ProblemException.BadRequest("'cursor' is not a cursor this API issued; pass next_cursor from the previous page unchanged.");
        }
    }

    public static long? DecodeNumber(string? cursor)
    {
        var text = Decode(cursor);
        if (text is null) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            throw ProblemException.BadRequest("'cursor' is not a cursor this API issued; pass next_cursor from the previous page unchanged.");
        return number;
    }
}
