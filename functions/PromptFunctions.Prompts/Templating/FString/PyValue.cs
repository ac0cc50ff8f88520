using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptFunctions.Prompts.Templating.FString;

/// <summary>The Python value <c>json.loads</c> would produce for a JSON value; f-strings format these.</summary>
internal abstract record PyValue
{
    /// <summary>Python's type name, as it appears in Python's error messages.</summary>
    public abstract string TypeName { get; }

    /// <summary>
    /// json.loads rules: a number with a fraction or an exponent is a float (so <c>1.0</c> stays <c>1.0</c> and
    /// <c>1e400</c> is <c>inf</c>), any other number an arbitrary-precision int.
    /// </summary>
    public static PyValue FromJson(JsonNode? node) => node switch
    {
        null => PyNone.Instance,
        JsonObject obj => new PyDict(obj.Select(member => KeyValuePair.Create(member.Key, FromJson(member.Value))).ToList()),
        JsonArray array => new PyList(array.Select(FromJson).ToList()),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => new PyStr(JsonText.ReadString(value)),
            JsonValueKind.Number => FromJsonNumber(value.ToJsonString()),
            JsonValueKind.True => PyBool.True,
            JsonValueKind.False => PyBool.False,
            _ => PyNone.Instance,
        },
        _ => PyNone.Instance,
    };

    /// <summary>
    /// CPython's default limit on converting between an int and decimal text (<c>sys.get_int_max_str_digits()</c>):
    /// beyond it, <c>json.loads</c> itself refuses the number, because the conversion is quadratic.
    /// </summary>
    public const int MaxIntDigits = 4300;

    private static PyValue FromJsonNumber(string text)
    {
        if (text.AsSpan().IndexOfAny('.', 'e', 'E') >= 0) return new PyFloat(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        var digits = text.Length - (text.StartsWith('-') ? 1 : 0);
        if (digits > MaxIntDigits)
        {
            throw new PyFormatException(
                $"Exceeds the limit ({MaxIntDigits} digits) for integer string conversion: value has {digits} digits; use sys.set_int_max_str_digits() to increase the limit");
        }
        return new PyInt(BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
    }
}

internal sealed record PyStr(string Value) : PyValue
{
    public override string TypeName => "str";
}

internal sealed record PyInt(BigInteger Value) : PyValue
{
    public override string TypeName => "int";
}

internal sealed record PyFloat(double Value) : PyValue
{
    public override string TypeName => "float";
}

/// <summary>A Python bool: an int (1 or 0) for every format spec, but <c>True</c>/<c>False</c> as str().</summary>
internal sealed record PyBool(bool Value) : PyValue
{
    public static PyBool True { get; } = new(true);
    public static PyBool False { get; } = new(false);
    public override string TypeName => "bool";
}

internal sealed record PyNone : PyValue
{
    public static PyNone Instance { get; } = new();
    public override string TypeName => "NoneType";
}

internal sealed record PyList(IReadOnlyList<PyValue> Items) : PyValue
{
    public override string TypeName => "list";
}

/// <summary>A dict from a JSON object; keys keep the object's order, as Python dicts keep insertion order.</summary>
internal sealed record PyDict(IReadOnlyList<KeyValuePair<string, PyValue>> Entries) : PyValue
{
    public override string TypeName => "dict";
}
