using System.Globalization;
using System.Text;

namespace PromptFunctions.Prompts.Templating.FString;

/// <summary>
/// CPython's <c>PyOS_double_to_string</c> and <c>format_float_short</c>: turns digits into text for the format codes
/// <c>e</c>, <c>f</c>, <c>g</c> (lower or upper case) and <c>r</c> (repr).
/// </summary>
internal static class PyFloatText
{
    public static string Repr(double value) => Format(value, 'r', 0, addDotZero: true, alternate: false, noNegativeZero: false);

    /// <param name="value">The number.</param>
    /// <param name="formatCode">e, E, f, F, g, G or r.</param>
    /// <param name="precision">Digits after the point (e, f) or significant digits (g); 0 for r.</param>
    /// <param name="addDotZero">Keep ".0" on integral values, as repr and the empty presentation type do.</param>
    /// <param name="alternate">The '#' option: keep the point and, for g, trailing zeros.</param>
    /// <param name="noNegativeZero">The 'z' option: a result that rounds to zero loses its minus sign.</param>
    public static string Format(double value, char formatCode, int precision, bool addDotZero, bool alternate, bool noNegativeZero)
    {
        var upper = char.IsUpper(formatCode);
        var code = char.ToLowerInvariant(formatCode);
        if (double.IsNaN(value)) return upper ? "NAN" : "nan";
        var negative = double.IsNegative(value);
        if (double.IsInfinity(value)) return (negative ? "-" : "") + (upper ? "INF" : "inf");

        var magnitude = Math.Abs(value);
        DecimalDigits digits;
        switch (code)
        {
            case 'e':
                precision++;
                digits = PyFloatDigits.Significant(magnitude, precision);
                break;
            case 'f':
                digits = PyFloatDigits.Fixed(magnitude, precision);
                break;
            case 'g':
                if (precision == 0) precision = 1;
                digits = PyFloatDigits.Significant(magnitude, precision);
                break;
            case 'r':
                digits = PyFloatDigits.Shortest(magnitude);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(formatCode), formatCode, "Not a float format code.");
        }
        if (noNegativeZero && digits.IsZero) negative = false;

        return Layout(digits, code, precision, negative, upper, addDotZero, alternate);
    }

    /// <summary>
    /// Places the decimal point, pads with zeros and adds the exponent. The output is a slice of the digits padded
    /// with zeros on both sides, from <c>virtualStart</c> to <c>virtualEnd</c>, with the point at <c>decimalPoint</c>.
    /// </summary>
    private static string Layout(DecimalDigits digits, char code, int precision, bool negative, bool upper, bool addDotZero, bool alternate)
    {
        var text = digits.Digits;
        var decimalPoint = digits.DecimalPoint;
        var virtualEnd = text.Length;
        var useExponent = false;
        switch (code)
        {
            case 'e':
                useExponent = true;
                virtualEnd = precision;
                break;
            case 'f':
                virtualEnd = decimalPoint + precision;
                break;
            case 'g':
                useExponent = decimalPoint <= -4 || decimalPoint > (addDotZero ? precision - 1 : precision);
                if (alternate) virtualEnd = precision;
                break;
            case 'r':
                // repr switches to an exponent at 1e16, so a 16-digit repr is never padded with misleading zeros.
                useExponent = decimalPoint <= -4 || decimalPoint > 16;
                break;
        }

        var exponent = 0;
        if (useExponent)
        {
            exponent = decimalPoint - 1;
            decimalPoint = 1;
        }
        var virtualStart = decimalPoint <= 0 ? decimalPoint - 1 : 0;
        virtualEnd = !useExponent && addDotZero
            ? Math.Max(virtualEnd, decimalPoint + 1)
            : Math.Max(virtualEnd, decimalPoint);

        var result = new StringBuilder();
        if (negative) result.Append('-');
        if (decimalPoint <= 0)
        {
            result.Append('0', decimalPoint - virtualStart).Append('.').Append('0', -decimalPoint);
        }
        else
        {
            result.Append('0', -virtualStart);
        }

        if (decimalPoint > 0 && decimalPoint <= text.Length)
        {
            result.Append(text, 0, decimalPoint).Append('.').Append(text, decimalPoint, text.Length - decimalPoint);
        }
        else
        {
            result.Append(text);
        }

        if (text.Length < decimalPoint)
        {
            result.Append('0', decimalPoint - text.Length).Append('.').Append('0', virtualEnd - decimalPoint);
        }
        else
        {
            result.Append('0', virtualEnd - text.Length);
        }

        if (result[^1] == '.' && !alternate) result.Length--;
        if (useExponent)
        {
            result.Append(upper ? 'E' : 'e')
                .Append(exponent < 0 ? '-' : '+')
                .Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
        }
        return result.ToString();
    }
}
