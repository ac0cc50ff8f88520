using System.Text;
using CsCheck;

namespace PromptFunctions.Prompts.Tests.Fuzz;

/// <summary>
/// Generators of JSON text for property tests: well-formed documents whose leaves are the values that broke readers
/// before (numbers beyond the double range, 400-digit integers, lone and reversed surrogate escapes, control
/// characters, deep nesting, repeated names), and the same documents cut, spliced and sprinkled with stray bytes.
/// </summary>
public static class HostileJson
{
    private static readonly string[] Numbers =
    [
        "0", "-0", "1", "-1", "0.1", "1e400", "-1e400", "1e-400", "1E+308", "1.7976931348623157e308", "1.8e308", "-1e999",
        "9007199254740993", new string('9', 400), "-" + new string('7', 30), "123456789012345678901234567890.5", "5e-324",
    ];

    private static readonly string[] Strings =
    [
        "\"\"", "\"x\"", "\"{{name}}\"", "\"{name}\"", "\"\\ud800\"", "\"a\\udc00b\"", "\"\\udc00\\ud800\"", "\"\\ud83d\\ude00\"",
        "\"\\ud83dA\"", "\"\\u0000\"", "\"tab\\tline\\n\"", "\"caf\u00e9\"", "\"\\\"quoted\\\"\"", "\"=1+1\"", "\"\\\\\"",
    ];

    private static readonly string[] Names =
    [
        "a", "name", "template", "metadata", "input", "expected", "id", "split", "variables", "\\ud800", "\\udfffx", "", "$", "a b",
    ];

    // Declared before the generators that use it: static initializers run in text order.
    private static Gen<string> Leaf { get; } = Gen.Frequency(
        (3, Gen.OneOf(Numbers)),
        (3, Gen.OneOf(Strings)),
        (1, Gen.OneOf("true", "false", "null")),
        (1, Gen.Int[-1000, 1000].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Char[' ', '~'].Array[0, 12].Select(chars => System.Text.Json.JsonSerializer.Serialize(new string(chars)))));

    /// <summary>A JSON value text, up to four levels deep.</summary>
    public static Gen<string> Value { get; } = Gen.Recursive<string>((depth, value) => depth >= 4
        ? Leaf
        : Gen.Frequency(
            (4, Leaf),
            (2, value.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (3, Gen.Select(Gen.OneOf(Names).Array[0, 4], value.Array[4]).Select((names, values) =>
                "{" + string.Join(",", names.Select((n, i) => $"\"{n}\":{values[i]}")) + "}"))));

    /// <summary>A JSON object text.</summary>
    public static Gen<string> Object { get; } = Gen.Select(Gen.OneOf(Names).Array[0, 5], Value.Array[5]).Select((names, values) =>
        "{" + string.Join(",", names.Select((n, i) => $"\"{n}\":{values[i]}")) + "}");

    /// <summary>Bytes of a document, often damaged: cut short, spliced, with stray bytes that are not UTF-8.</summary>
    public static Gen<byte[]> Bytes(Gen<string> document) => Gen.Select(document, Gen.Int[0, 5], Gen.Int[0, 1000], Gen.Byte).Select((text, damage, at, stray) =>
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var cut = bytes.Length == 0 ? 0 : at % bytes.Length;
        return damage switch
        {
            0 => bytes[..cut],
            1 => [.. bytes[..cut], stray, .. bytes[cut..]],
            2 => [.. bytes[..cut], 0xED, 0xA0, 0x80, .. bytes[cut..]],
            3 => [.. bytes[cut..], .. bytes[..cut]],
            _ => bytes,
        };
    });
}
