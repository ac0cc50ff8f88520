using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptFunctions.Prompts.Rendering;

/// <summary>
/// Bounds of one render of a prompt (all its messages and placeholders together). A small template can ask for far
/// more than it is: f-string widths pad every field, nested mustache sections multiply over one list, each
/// interpolation of a large variable copies it. Both bounds are checked while rendering, so a render that would
/// exceed them stops early instead of allocating the result first.
/// </summary>
/// <param name="MaxOutputChars">The most characters the rendered prompt may have (UTF-16 code units, placeholders included).</param>
/// <param name="MaxWork">
/// The most work one render may do, counted in units: <see cref="StepCost"/> per template step (a lookup, a section
/// entered, a list item visited, a field formatted) plus one per character produced or converted along the way,
/// including text that does not reach the output (a value converted for a zero-precision field, a section that
/// renders nothing a million times). A step weighs more than a character: measured on the mustache renderer, it
/// takes about as long as copying a few dozen characters. The default stops the costliest templates we know of
/// within about a second of one busy core.
/// </param>
public sealed record RenderLimits(int MaxOutputChars, long MaxWork)
{
    public const int DefaultMaxOutputChars = 4 * 1024 * 1024;

    public const long DefaultMaxWork = 20_000_000;

    /// <summary>Units of work one template step costs.</summary>
    public const int StepCost = 10;

    public static RenderLimits Default { get; } = new(DefaultMaxOutputChars, DefaultMaxWork);
}

/// <summary>Which bound a render hit.</summary>
public enum RenderLimitKind
{
    Output,
    Work,
}

/// <summary>A render stopped because it would exceed <see cref="RenderLimits"/>; nothing of it is used.</summary>
public sealed class RenderLimitException(RenderLimitKind kind, long limit)
    : Exception(kind == RenderLimitKind.Output
        ? $"the rendered prompt would be longer than {limit.ToString("N0", CultureInfo.InvariantCulture)} characters, the limit of one render"
        : $"rendering would take more than {limit.ToString("N0", CultureInfo.InvariantCulture)} units of work (template steps evaluated plus characters produced), the limit of one render; nested sections or repeated large variables multiply")
{
    public RenderLimitKind Kind { get; } = kind;
    public long Limit { get; } = limit;
}

/// <summary>
/// The running account of one render against its <see cref="RenderLimits"/>, shared by every message of the prompt.
/// Not thread-safe: one render runs on one thread.
/// </summary>
public sealed class RenderBudget(RenderLimits limits)
{
    private Dictionary<(ByReference, Type), object>? _views;

    public RenderLimits Limits { get; } = limits;

    /// <summary>Characters of the rendered prompt so far.</summary>
    public long OutputChars { get; private set; }

    /// <summary>Units of work so far.</summary>
    public long Work { get; private set; }

    /// <summary>A fresh budget with the default limits, for callers that render one text on its own.</summary>
    public static RenderBudget WithDefaults() => new(RenderLimits.Default);

    /// <summary>Counts one template step.</summary>
    /// <exception cref="RenderLimitException">The work limit is exceeded.</exception>
    public void Step() => Charge(RenderLimits.StepCost);

    /// <exception cref="RenderLimitException">The work limit is exceeded.</exception>
    public void Charge(long units)
    {
        Work += units;
        if (Work > Limits.MaxWork) throw new RenderLimitException(RenderLimitKind.Work, Limits.MaxWork);
    }

    /// <summary>Counts characters that become part of the rendered prompt (they are work too).</summary>
    /// <exception cref="RenderLimitException">A limit is exceeded.</exception>
    public void Output(long chars)
    {
        OutputChars += chars;
        if (OutputChars > Limits.MaxOutputChars) throw new RenderLimitException(RenderLimitKind.Output, Limits.MaxOutputChars);
        Charge(chars);
    }

    /// <summary>
    /// A value derived from the variables once per render (an engine's view of them), so that a prompt with many
    /// messages converts its variables once, not once per message.
    /// </summary>
    internal T View<T>(JsonObject variables, Func<JsonObject, T> build) where T : class
    {
        _views ??= [];
        var key = (new ByReference(variables), typeof(T));
        if (_views.TryGetValue(key, out var view)) return (T)view;
        var built = build(variables);
        _views[key] = built;
        return built;
    }

    /// <summary>Compares the variables object by identity: two equal objects are still two renders' inputs.</summary>
    private readonly record struct ByReference(JsonObject Value)
    {
        public bool Equals(ByReference other) => ReferenceEquals(Value, other.Value);
        public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Value);
    }

    /// <summary>A cheap measure of a JSON value's size: its string lengths plus one per node.</summary>
    internal static long SizeOf(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return 1;
            case JsonObject obj:
            {
                long size = 1;
                foreach (var (name, member) in obj) size += name.Length + SizeOf(member);
                return size;
            }
            case JsonArray array:
            {
                long size = 1;
                foreach (var item in array) size += SizeOf(item);
                return size;
            }
            default:
                var value = (JsonValue)node;
                // The raw JSON text of a parsed string is its length give or take escapes, without decoding it.
                if (value.TryGetValue<JsonElement>(out var element))
                    return element.ValueKind == JsonValueKind.String ? JsonMarshal.GetRawUtf8Value(element).Length + 1 : 1;
                return value.GetValueKind() == JsonValueKind.String && value.TryGetValue<string>(out var text) ? text.Length + 1 : 1;
        }
    }
}
