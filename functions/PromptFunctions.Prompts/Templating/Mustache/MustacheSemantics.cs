using System.Globalization;

namespace PromptFunctions.Prompts.Templating.Mustache;

/// <summary>
/// Name lookup and truthiness, shared by the Stubble renderer (through its value getters and truthy checks) and by
/// <see cref="MissingVariableCollector"/>, so that what is reported missing is exactly what renders empty.
/// </summary>
internal static class MustacheSemantics
{
    /// <summary>A member of an object by exact name, or an element of a list by non-negative decimal index (<c>items.0</c>).</summary>
    public static bool TryGetMember(object container, string name, out object value)
    {
        switch (container)
        {
            case MustacheObject obj when obj.TryGetValue(name, out var member):
                value = member;
                return true;
            case MustacheList list
                when int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < list.Count:
                value = list[index];
                return true;
            default:
                value = MustacheScalar.Null;
                return false;
        }
    }

    /// <summary>
    /// mustache.js truthiness: <c>false</c>, <c>null</c>, <c>0</c>, <c>""</c> and <c>[]</c> are falsy; any object
    /// (even <c>{}</c>) and any other string (even <c>"0"</c> or <c>"false"</c>) is truthy. Stubble's own defaults differ
    /// (it treats <c>{}</c>, <c>"0"</c> and <c>"false"</c> as falsy), so they are overridden for every type we produce.
    /// </summary>
    public static bool IsTruthy(object value) => value switch
    {
        string text => text.Length > 0,
        MustacheScalar scalar => scalar.IsTruthy,
        MustacheList list => list.Count > 0,
        MustacheObject => true,
        _ => false,
    };
}

/// <summary>The mustache context stack: the innermost section value first, the template's variables last.</summary>
internal sealed class MustacheContextStack
{
    private readonly object top;
    private readonly MustacheContextStack? parent;

    private MustacheContextStack(object top, MustacheContextStack? parent)
    {
        this.top = top;
        this.parent = parent;
    }

    public static MustacheContextStack Root(MustacheObject variables) => new(variables, null);

    public MustacheContextStack Push(object value) => new(value, this);

    /// <summary>
    /// Resolves a tag name the way Stubble does, which is the spec's rule: <c>.</c> is the top of the stack; a plain
    /// name is searched from the innermost context outwards; for a dotted name only the first segment is searched
    /// that way, and the rest must resolve inside what it found (so <c>a.b</c> is missing when <c>a</c> resolves
    /// and has no <c>b</c>, even if an outer <c>a</c> has one).
    /// </summary>
    public bool TryResolve(string name, out object value)
    {
        if (name == ".")
        {
            value = top;
            return true;
        }

        var segments = name.IndexOf('.') > 0 ? name.Split('.') : [name];
        for (var frame = this; frame is not null; frame = frame.parent)
        {
            if (!MustacheSemantics.TryGetMember(frame.top, segments[0], out value)) continue;
            for (var i = 1; i < segments.Length; i++)
            {
                if (!MustacheSemantics.TryGetMember(value, segments[i], out value)) return false;
            }
            return true;
        }

        value = MustacheScalar.Null;
        return false;
    }
}
