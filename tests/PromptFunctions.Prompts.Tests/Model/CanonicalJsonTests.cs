using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;

namespace PromptFunctions.Prompts.Tests.Model;

public sealed class CanonicalJsonTests
{
    // Number serializations from RFC 8785 appendix B and ECMAScript's Number::toString rules.
    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("1.0", "1")]
    [InlineData("1e0", "1")]
    [InlineData("-1.5", "-1.5")]
    [InlineData("1e21", "1e+21")]
    [InlineData("1e20", "100000000000000000000")]
    [InlineData("123e-20", "1.23e-18")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("0.0000001", "1e-7")]
    [InlineData("333333333.33333329", "333333333.3333333")]
    [InlineData("9007199254740992", "9007199254740992")]
    [InlineData("295147905179352830000", "295147905179352830000")]
    [InlineData("4.50", "4.5")]
    [InlineData("2e-3", "0.002")]
    [InlineData("1.7976931348623157e308", "1.7976931348623157e+308")]
    [InlineData("5e-324", "5e-324")]
    public void Numbers_are_written_as_ecmascript_does(string input, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(CanonicalJson.Serialize(JsonNode.Parse(input))));
    }

    [Fact]
    public void Members_are_sorted_by_utf16_code_units_and_strings_escaped_minimally()
    {
        // The RFC 8785 section 3.2.3 sorting example.
        var input = JsonNode.Parse("""{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}""");
        var text = Encoding.UTF8.GetString(CanonicalJson.Serialize(input));
        Assert.Equal("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}", text);
    }

    [Fact]
    public void Strings_escape_only_what_json_requires()
    {
        var input = new JsonObject { ["s"] = "quote \" backslash \\ tab \t nl \n bell \u0007 slash / lt < nonascii é" };
        Assert.Equal("{\"s\":\"quote \\\" backslash \\\\ tab \\t nl \\n bell \\u0007 slash / lt < nonascii é\"}", Encoding.UTF8.GetString(CanonicalJson.Serialize(input)));
    }

    [Fact]
    public void Formatting_does_not_change_the_hash()
    {
        var a = JsonNode.Parse("""{ "b": [1, 2.0, {"y": true, "x": null}], "a": "text" }""");
        var b = JsonNode.Parse("""{"a":"text","b":[1e0,2,{"x":null,"y":true}]}""");
        Assert.Equal(CanonicalJson.Sha256Hex(a), CanonicalJson.Sha256Hex(b));
        Assert.Equal("""{"a":"text","b":[1,2,{"x":null,"y":true}]}""", Encoding.UTF8.GetString(CanonicalJson.Serialize(a)));
        Assert.Matches("^[0-9a-f]{64}$", CanonicalJson.Sha256Hex(a));
    }
}
