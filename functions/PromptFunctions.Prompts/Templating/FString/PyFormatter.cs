using System.Globalization;
using System.Numerics;
using System.Text;

namespace PromptFunctions.Prompts.Templating.FString;

/// <summary>
/// Python's built-in <c>format(value, spec)</c> for the values JSON can hold, with CPython 3.11's error messages
/// (raised as <see cref="PyFormatException"/>). The 'n' type uses the C locale, as Python does by default: no
/// grouping and a '.' point.
/// </summary>
internal static class PyFormatter
{
    public static string Format(PyValue value, string spec)
    {
        // format(x, '') is str(x) for every built-in type, bool included ('True', not '1').
        if (spec.Length == 0) return PyText.Str(value);
        return value switch
        {
            PyStr s => FormatStr(s.Value, FormatSpec.Parse(spec, 's', '<', value.TypeName)),
            PyInt i => FormatInt(i.Value, spec, value.TypeName),
            PyBool b => FormatInt(b.Value ? BigInteger.One : BigInteger.Zero, spec, value.TypeName),
            PyFloat f => FormatFloat(f.Value, FormatSpec.Parse(spec, FormatSpec.NoType, '>', value.TypeName), value.TypeName),
            _ => throw new PyFormatException($"unsupported format string passed to {value.TypeName}.__format__"),
        };
    }

    private static string FormatStr(string value, FormatSpec spec)
    {
        if (spec.Type != 's') throw UnknownCode(spec.Type, "str");
        if (spec.Sign == ' ') throw new PyFormatException("Space not allowed in string format specifier");
        if (spec.Sign != '\0') throw new PyFormatException("Sign not allowed in string format specifier");
        if (spec.NoNegativeZero)
        {
            throw new PyFormatException("Negative zero coercion (z) not allowed in string format specifier");
        }
        if (spec.Alternate) throw new PyFormatException("Alternate form (#) not allowed in string format specifier");
        if (spec.Align == '=') throw new PyFormatException("'=' alignment not allowed in string format specifier");

        var text = spec.Precision >= 0 ? CodePoints.Prefix(value, spec.Precision) : value;
        var length = CodePoints.Count(text);
        var padding = Math.Max(0, spec.Width - length);
        var left = spec.Align switch
        {
            '>' => padding,
            '^' => padding / 2,
            _ => 0,
        };
        var result = new StringBuilder();
        CodePoints.Append(result, spec.Fill, left);
        result.Append(text);
        CodePoints.Append(result, spec.Fill, padding - left);
        return result.ToString();
    }

    private static string FormatInt(BigInteger value, string specText, string typeName)
    {
        var spec = FormatSpec.Parse(specText, 'd', '>', typeName);
        switch (spec.Type)
        {
            case 'b' or 'c' or 'd' or 'o' or 'x' or 'X' or 'n':
                return FormatIntegral(value, spec);
            case 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or '%':
                var asFloat = double.Parse(value.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                if (double.IsInfinity(asFloat)) throw new PyFormatException("int too large to convert to float");
                return FormatFloat(asFloat, spec, "float");
            default:
                throw UnknownCode(spec.Type, typeName);
        }
    }

    /// <summary>CPython's <c>format_long_internal</c>.</summary>
    private static string FormatIntegral(BigInteger value, FormatSpec spec)
    {
        if (spec.Precision != -1) throw new PyFormatException("Precision not allowed in integer format specifier");
        if (spec.NoNegativeZero)
        {
            throw new PyFormatException("Negative zero coercion (z) not allowed in integer format specifier");
        }

        if (spec.Type == 'c')
        {
            if (spec.Sign != '\0') throw new PyFormatException("Sign not allowed with integer format specifier 'c'");
            if (spec.Alternate)
            {
                throw new PyFormatException("Alternate form (#) not allowed with integer format specifier 'c'");
            }
            if (value < long.MinValue || value > long.MaxValue)
            {
                throw new PyFormatException("Python int too large to convert to C long");
            }
            if (value < 0 || value > 0x10FFFF) throw new PyFormatException("%c arg not in range(0x110000)");
            var character = CodePoints.ToText((int)value);
            // The character is laid out as if it were a number's tail, so it is never grouped or zero-padded as digits.
            return NumberLayout.Render(new NumberParts(false, "", "", false, character), spec, "", 0, false);
        }

        var (numberBase, prefix) = spec.Type switch
        {
            'b' => (2, "0b"),
            'o' => (8, "0o"),
            'x' or 'X' => (16, "0x"),
            _ => (10, ""),
        };
        var digits = ToBase(BigInteger.Abs(value), numberBase);
        var (separator, groupSize) = spec.Type == 'n' ? ("", 0) : Separator(spec.Grouping, numberBase);
        var parts = new NumberParts(value.Sign < 0, spec.Alternate ? prefix : "", digits, false, "");
        return NumberLayout.Render(parts, spec, separator, groupSize, spec.Type == 'X');
    }

    /// <summary>CPython's <c>format_float_internal</c>.</summary>
    private static string FormatFloat(double value, FormatSpec spec, string typeName)
    {
        var type = spec.Type;
        if (type is not (FormatSpec.NoType or 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or 'n' or '%'))
        {
            throw UnknownCode(type, typeName);
        }

        var addDotZero = false;
        var defaultPrecision = 6;
        var code = (char)type;
        if (type == FormatSpec.NoType)
        {
            // No type: repr() when no precision is given, otherwise 'g' that keeps at least one fractional digit.
            addDotZero = true;
            code = 'r';
            defaultPrecision = 0;
        }
        if (code == 'n') code = 'g';
        var percent = code == '%';
        if (percent)
        {
            code = 'f';
            value *= 100;
        }
        var precision = spec.Precision < 0 ? defaultPrecision : spec.Precision;
        if (spec.Precision >= 0 && code == 'r') code = 'g';

        var text = PyFloatText.Format(value, code, precision, addDotZero, spec.Alternate, spec.NoNegativeZero);
        if (percent) text += "%";

        var negative = text.StartsWith('-');
        if (negative) text = text[1..];
        var digitCount = 0;
        while (digitCount < text.Length && char.IsAsciiDigit(text[digitCount])) digitCount++;
        var hasPoint = digitCount < text.Length && text[digitCount] == '.';
        var remainder = text[(digitCount + (hasPoint ? 1 : 0))..];

        var (separator, groupSize) = type == 'n' ? ("", 0) : Separator(spec.Grouping, 10);
        var parts = new NumberParts(negative, "", text[..digitCount], hasPoint, remainder);
        return NumberLayout.Render(parts, spec, separator, groupSize, false);
    }

    private static (string Separator, int GroupSize) Separator(Grouping grouping, int numberBase) => grouping switch
    {
        Grouping.Comma => (",", 3),
        Grouping.Underscore => ("_", numberBase == 10 ? 3 : 4),
        _ => ("", 0),
    };

    private static string ToBase(BigInteger magnitude, int numberBase)
    {
        if (numberBase == 10) return magnitude.ToString(CultureInfo.InvariantCulture);
        if (magnitude.IsZero) return "0";
        var bitsPerDigit = numberBase switch { 2 => 1, 8 => 3, _ => 4 };
        // Digits are read from the low end and written from the right, so a long number costs linear time.
        var bits = magnitude.GetBitLength();
        var digits = new char[(int)((bits + bitsPerDigit - 1) / bitsPerDigit)];
        var at = digits.Length;
        var mask = new BigInteger(numberBase - 1);
        while (!magnitude.IsZero)
        {
            digits[--at] = "0123456789abcdef"[(int)(magnitude & mask)];
            magnitude >>= bitsPerDigit;
        }
        return new string(digits, at, digits.Length - at);
    }

    private static PyFormatException UnknownCode(int type, string typeName) =>
        new($"Unknown format code {FormatSpec.QuoteType(type)} for object of type '{typeName}'");
}
