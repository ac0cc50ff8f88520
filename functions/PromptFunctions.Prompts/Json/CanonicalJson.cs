using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptFunctions.Prompts.Json;

/// <summary>
/// The JSON Canonicalization Scheme of RFC 8785: object members sorted by the UTF-16 code units of their names,
/// no insignificant whitespace, strings escaped minimally (only <c>"</c>, <c>\</c> and control characters; other
/// characters written as UTF-8), numbers written the way ECMAScript's <c>Number.prototype.toString</c> writes
/// IEEE-754 doubles (so <c>1.0</c>, <c>1</c> and <c>1e0</c> are all <c>1</c>). Content identity hashes these
/// bytes, so two documents that differ only in formatting share one id.
/// </summary>
public static class CanonicalJson
{
    // Throws on a lone surrogate instead of writing U+FFFD: two different strings must never share canonical bytes.
    // Input readers reject such text first (JsonInput), so reaching this is a programming error.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Serialize(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(node, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Lowercase hex SHA-256 of the canonical bytes.</summary>
    public static string Sha256Hex(JsonNode? node) => Sha256Hex(Serialize(node));

    /// <summary>Lowercase hex SHA-256 of bytes that are already canonical.</summary>
    public static string Sha256Hex(byte[] canonical) => Convert.ToHexStringLower(SHA256.HashData(canonical));

    private static void Write(JsonNode? node, ArrayBufferWriter<byte> output)
    {
        switch (node)
        {
            case null:
                WriteAscii("null", output);
                break;
            case JsonObject obj:
                WriteObject(obj, output);
                break;
            case JsonArray array:
                output.Write("["u8);
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) output.Write(","u8);
                    Write(array[i], output);
                }
                output.Write("]"u8);
                break;
            case JsonValue value:
                WriteValue(value, output);
                break;
        }
    }

    private static void WriteObject(JsonObject obj, ArrayBufferWriter<byte> output)
    {
        var members = obj.ToList();
        members.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        output.Write("{"u8);
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0) output.Write(","u8);
            WriteString(members[i].Key, output);
            output.Write(":"u8);
            Write(members[i].Value, output);
        }
        output.Write("}"u8);
    }

    private static void WriteValue(JsonValue value, ArrayBufferWriter<byte> output)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(value.GetValue<string>(), output);
                break;
            case JsonValueKind.True:
                WriteAscii("true", output);
                break;
            case JsonValueKind.False:
                WriteAscii("false", output);
                break;
            case JsonValueKind.Number:
                WriteAscii(FormatNumber(ReadDouble(value)), output);
                break;
            case JsonValueKind.Null:
                WriteAscii("null", output);
                break;
            default:
                throw new InvalidOperationException($"Unexpected JSON value kind {value.GetValueKind()}.");
        }
    }

    /// <summary>A number node's value, whether it was parsed (JsonElement) or built in code (a CLR number).</summary>
    public static double ReadDouble(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element)) return element.GetDouble();
        if (value.TryGetValue<double>(out var d)) return d;
        if (value.TryGetValue<long>(out var l)) return l;
        if (value.TryGetValue<int>(out var i)) return i;
        if (value.TryGetValue<decimal>(out var m)) return (double)m;
        if (value.TryGetValue<float>(out var f)) return f;
        return double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// ECMAScript Number::toString for finite doubles (RFC 8785 section 3.2.2.3). NaN and infinity have no JSON form;
    /// input readers reject numbers beyond the double range first (JsonInput), so reaching the exception is a
    /// programming error.
    /// </summary>
    public static string FormatNumber(double number)
    {
        if (double.IsNaN(number) || double.IsInfinity(number))
            throw new ArgumentOutOfRangeException(nameof(number), "JSON cannot represent NaN or infinity.");
        if (number == 0) return "0"; // also -0
        var negative = number < 0;
        // "R" yields the shortest digit string that round-trips, which is what ECMAScript requires as well.
        var roundTrip = Math.Abs(number).ToString("R", CultureInfo.InvariantCulture);
        var (digits, exponent) = SplitDigits(roundTrip);
        // exponent here is n in the ECMAScript algorithm: value = 0.digits * 10^n.
        var k = digits.Length;
        var n = exponent;
        var builder = new StringBuilder();
        if (negative) builder.Append('-');
        if (k <= n && n <= 21)
        {
            builder.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            builder.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            builder.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            var e = n - 1;
            builder.Append(digits[0]);
            if (k > 1) builder.Append('.').Append(digits, 1, k - 1);
            builder.Append('e').Append(e < 0 ? '-' : '+').Append(Math.Abs(e).ToString(CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    /// <summary>Splits .NET's shortest round-trip text into significant digits and the exponent n of 0.d1d2... x 10^n.</summary>
    private static (string Digits, int Exponent) SplitDigits(string roundTrip)
    {
        var exponentAt = roundTrip.IndexOfAny(['E', 'e']);
        var mantissa = exponentAt < 0 ? roundTrip : roundTrip[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(roundTrip[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.');
        var integerPart = point < 0 ? mantissa : mantissa[..point];
        var fraction = point < 0 ? "" : mantissa[(point + 1)..];
        var allDigits = integerPart + fraction;
        var pointPosition = integerPart.Length + exponent;
        var leadingZeros = 0;
        while (leadingZeros < allDigits.Length - 1 && allDigits[leadingZeros] == '0') leadingZeros++;
        var significant = allDigits[leadingZeros..].TrimEnd('0');
        if (significant.Length == 0) significant = "0";
        return (significant, pointPosition - leadingZeros);
    }

    private static void WriteString(string value, ArrayBufferWriter<byte> output)
    {
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20) builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else builder.Append(c);
                    break;
            }
        }
        builder.Append('"');
        var text = builder.ToString();
        var span = output.GetSpan(StrictUtf8.GetMaxByteCount(text.Length));
        var written = StrictUtf8.GetBytes(text, span);
        output.Advance(written);
    }

    private static void WriteAscii(string text, ArrayBufferWriter<byte> output)
    {
        var span = output.GetSpan(text.Length);
        var written = Encoding.ASCII.GetBytes(text, span);
        output.Advance(written);
    }
}
