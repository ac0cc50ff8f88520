using System.Globalization;

namespace PromptFunctions.Prompts.Templating.FString;

/// <summary>Thousands separator requested by the format spec.</summary>
internal enum Grouping
{
    None,
    /// <summary>',' every three digits.</summary>
    Comma,
    /// <summary>'_' every three digits (decimal) or four (b, o, x, X).</summary>
    Underscore,
}

/// <summary>
/// A parsed standard format specifier, <c>[[fill]align][sign][z][#][0][width][grouping][.precision][type]</c>, with
/// CPython 3.11's parsing rules (<c>parse_internal_render_format_spec</c>). Characters are code points: a fill
/// character may be outside the BMP. Width and precision are capped at <see cref="MaxWidth"/> so that a template
/// cannot make a render allocate gigabytes; Python has no such cap.
/// </summary>
internal sealed record FormatSpec(
    int Fill,
    char Align,
    char Sign,
    bool NoNegativeZero,
    bool Alternate,
    int Width,
    Grouping Grouping,
    int Precision,
    int Type)
{
    public const int MaxWidth = 100_000;

    /// <summary>No type letter was given.</summary>
    public const int NoType = 0;

    /// <param name="spec">The format spec text.</param>
    /// <param name="defaultType">The type assumed when none is given: 's' for str, 'd' for int, none for float.</param>
    /// <param name="defaultAlign">'&lt;' for str, '&gt;' for numbers.</param>
    /// <param name="typeName">The Python type name, for error messages.</param>
    public static FormatSpec Parse(string spec, int defaultType, char defaultAlign, string typeName)
    {
        var chars = CodePoints.Of(spec).ToArray();
        var position = 0;
        var fill = (int)' ';
        var align = defaultAlign;
        var fillGiven = false;
        var alignGiven = false;

        if (chars.Length - position >= 2 && IsAlign(chars[position + 1]))
        {
            fill = chars[position];
            align = (char)chars[position + 1];
            fillGiven = alignGiven = true;
            position += 2;
        }
        else if (chars.Length - position >= 1 && IsAlign(chars[position]))
        {
            align = (char)chars[position];
            alignGiven = true;
            position++;
        }

        var sign = '\0';
        if (position < chars.Length && chars[position] is '+' or '-' or ' ') sign = (char)chars[position++];

        var noNegativeZero = position < chars.Length && chars[position] == 'z';
        if (noNegativeZero) position++;

        var alternate = position < chars.Length && chars[position] == '#';
        if (alternate) position++;

        // "0" before the width: zero padding, and sign-aware ('=') for types whose default alignment is right.
        if (!fillGiven && position < chars.Length && chars[position] == '0')
        {
            fill = '0';
            if (!alignGiven && defaultAlign == '>') align = '=';
            position++;
        }

        var width = ReadInteger(chars, ref position, out var widthDigits);
        if (widthDigits == 0) width = -1;

        var grouping = Grouping.None;
        if (position < chars.Length && chars[position] == ',')
        {
            grouping = Grouping.Comma;
            position++;
        }
        if (position < chars.Length && chars[position] == '_')
        {
            if (grouping != Grouping.None) throw BothSeparators();
            grouping = Grouping.Underscore;
            position++;
        }
        if (position < chars.Length && chars[position] == ',' && grouping == Grouping.Underscore) throw BothSeparators();

        var precision = -1;
        if (position < chars.Length && chars[position] == '.')
        {
            position++;
            precision = ReadInteger(chars, ref position, out var precisionDigits);
            if (precisionDigits == 0) throw new PyFormatException("Format specifier missing precision");
        }

        if (chars.Length - position > 1)
        {
            throw new PyFormatException($"Invalid format specifier '{spec}' for object of type '{typeName}'");
        }
        var type = position < chars.Length ? chars[position] : defaultType;

        if (grouping != Grouping.None && !AllowsGrouping(type, grouping))
        {
            throw new PyFormatException(
                $"Cannot specify '{(grouping == Grouping.Comma ? ',' : '_')}' with {QuoteType(type)}.");
        }

        return new FormatSpec(fill, align, sign, noNegativeZero, alternate, width, grouping, precision, type);
    }

    public static string QuoteType(int type) =>
        type is > 32 and < 128 ? $"'{(char)type}'" : $"'\\x{type.ToString("x", CultureInfo.InvariantCulture)}'";

    private static bool AllowsGrouping(int type, Grouping grouping) => type switch
    {
        'd' or 'e' or 'f' or 'g' or 'E' or 'G' or '%' or 'F' or NoType => true,
        'b' or 'o' or 'x' or 'X' => grouping == Grouping.Underscore, // PEP 515: '_' groups hex/octal/binary digits by four
        _ => false,
    };

    private static bool IsAlign(int c) => c is '<' or '>' or '=' or '^';

    private static PyFormatException BothSeparators() => new("Cannot specify both ',' and '_'.");

    /// <summary>Python's <c>get_integer</c>: any run of decimal digits (any script), with the count of digits read.</summary>
    private static int ReadInteger(int[] chars, ref int position, out int digitCount)
    {
        long value = 0;
        digitCount = 0;
        while (position < chars.Length)
        {
            var digit = CharUnicodeInfo.GetDecimalDigitValue(CodePoints.ToText(chars[position]), 0);
            if (digit < 0) break;
            value = value * 10 + digit;
            if (value > MaxWidth)
            {
                throw new PyFormatException($"Width or precision too large: at most {MaxWidth} is supported in prompts");
            }
            position++;
            digitCount++;
        }
        return (int)value;
    }
}

/// <summary>A fault Python would raise while formatting one field; the engine reports it with the field's offset.</summary>
internal sealed class PyFormatException(string message) : Exception(message);
