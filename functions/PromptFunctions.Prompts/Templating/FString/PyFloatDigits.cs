using System.Globalization;
using System.Numerics;

namespace PromptFunctions.Prompts.Templating.FString;

/// <summary>
/// Decimal digits of a non-negative double in dtoa's convention: value = 0.<see cref="Digits"/> × 10^<see cref="DecimalPoint"/>,
/// without trailing zeros. Zero is "0" with decimal point 1; a fixed-point rounding that leaves nothing is "" (as
/// CPython's <c>_Py_dg_dtoa</c> returns).
/// </summary>
internal readonly record struct DecimalDigits(string Digits, int DecimalPoint)
{
    public static DecimalDigits Zero { get; } = new("0", 1);

    public bool IsZero => Digits is "" or "0";
}

/// <summary>
/// The three digit-generation modes of <c>_Py_dg_dtoa</c> that Python's float formatting uses. Rounding works on the
/// exact binary value and breaks exact ties to even, which is what makes <c>format(2.5, '.0f')</c> give <c>'2'</c>
/// and <c>format(2.675, '.2f')</c> give <c>'2.67'</c>.
/// </summary>
internal static class PyFloatDigits
{
    /// <summary>Mode 0: the shortest digits that read back as the same double (repr).</summary>
    public static DecimalDigits Shortest(double magnitude)
    {
        if (magnitude == 0) return DecimalDigits.Zero;
        // .NET's "R" is the shortest round-trip form, e.g. "123.456", "1E+16" or "5E-324".
        var text = magnitude.ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = text.IndexOf('E');
        var exponent = exponentAt < 0 ? 0 : int.Parse(text.AsSpan(exponentAt + 1), CultureInfo.InvariantCulture);
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];
        var point = mantissa.IndexOf('.');
        var integerDigits = point < 0 ? mantissa.Length : point;
        return Normalize(mantissa.Replace(".", ""), integerDigits + exponent);
    }

    /// <summary>Mode 2: at most <paramref name="count"/> significant digits, correctly rounded.</summary>
    public static DecimalDigits Significant(double magnitude, int count)
    {
        if (magnitude == 0) return DecimalDigits.Zero;
        return RoundTo(Exact(magnitude), count, fixedFractionDigits: null);
    }

    /// <summary>Mode 3: digits through <paramref name="fractionDigits"/> places after the point, correctly rounded.</summary>
    public static DecimalDigits Fixed(double magnitude, int fractionDigits)
    {
        if (magnitude == 0) return DecimalDigits.Zero;
        var exact = Exact(magnitude);
        return RoundTo(exact, exact.DecimalPoint + fractionDigits, fractionDigits);
    }

    /// <summary>Every digit of the double's exact binary value (at most a few hundred).</summary>
    private static DecimalDigits Exact(double magnitude)
    {
        var bits = BitConverter.DoubleToInt64Bits(magnitude);
        var biasedExponent = (int)((bits >> 52) & 0x7FF);
        var fraction = bits & 0xF_FFFF_FFFF_FFFFL;
        var mantissa = biasedExponent == 0 ? fraction : fraction | (1L << 52);
        var exponent = biasedExponent == 0 ? -1074 : biasedExponent - 1075;

        if (exponent >= 0)
        {
            var integer = (new BigInteger(mantissa) << exponent).ToString(CultureInfo.InvariantCulture);
            return Normalize(integer, integer.Length);
        }
        // m × 2^-k = m × 5^k / 10^k: the digits of m × 5^k with the point moved k places left.
        var scaled = (new BigInteger(mantissa) * BigInteger.Pow(5, -exponent)).ToString(CultureInfo.InvariantCulture);
        return Normalize(scaled, scaled.Length + exponent);
    }

    /// <summary>Keeps the first <paramref name="keep"/> digits, rounding half to even on the exact value.</summary>
    private static DecimalDigits RoundTo(DecimalDigits exact, int keep, int? fixedFractionDigits)
    {
        var digits = exact.Digits;
        if (keep >= digits.Length) return exact;
        var nothingLeft = new DecimalDigits("", -(fixedFractionDigits ?? 0));
        if (keep < 0) return nothingLeft;

        var firstDropped = digits[keep];
        var moreAfter = keep + 1 < digits.Length; // trailing zeros are stripped, so anything after is non-zero
        var previousIsOdd = keep > 0 && (digits[keep - 1] - '0') % 2 == 1;
        var roundUp = firstDropped > '5' || (firstDropped == '5' && (moreAfter || previousIsOdd));

        var kept = digits[..keep].ToCharArray();
        var decimalPoint = exact.DecimalPoint;
        if (roundUp)
        {
            var i = kept.Length - 1;
            while (i >= 0 && kept[i] == '9') kept[i--] = '0';
            if (i >= 0)
            {
                kept[i]++;
            }
            else
            {
                // 9.99 → 10.0: a new leading digit; the zeros after it are stripped below.
                kept = ['1', .. kept];
                decimalPoint++;
            }
        }
        var result = new string(kept).TrimEnd('0');
        return result.Length == 0 ? nothingLeft : new DecimalDigits(result, decimalPoint);
    }

    private static DecimalDigits Normalize(string digits, int decimalPoint)
    {
        var leadingZeros = 0;
        while (leadingZeros < digits.Length && digits[leadingZeros] == '0') leadingZeros++;
        var significant = digits[leadingZeros..].TrimEnd('0');
        return significant.Length == 0 ? DecimalDigits.Zero : new DecimalDigits(significant, decimalPoint - leadingZeros);
    }
}
