using System.Collections;
using System.Dynamic;
using System.Globalization;
using System.Text;
using PromptFunctions.Prompts.Rendering;
using Stubble.Core.Contexts;
using Stubble.Core.Exceptions;
using Stubble.Core.Renderers.StringRenderer;
using Stubble.Core.Settings;
using Stubble.Core.Tokens;

namespace PromptFunctions.Prompts.Templating.Mustache;

/// <summary>Renders a parsed template with Stubble, configured for prompts rather than HTML.</summary>
internal static class StubbleMustacheRenderer
{
    private static readonly RendererSettings Settings = BuildSettings();

    private static readonly RenderSettings PerRender = new()
    {
        SkipHtmlEncoding = true,
        CultureInfo = CultureInfo.InvariantCulture,
        ThrowOnDataMiss = false,
        SkipRecursiveLookup = false,
    };

    /// <summary>
    /// The budget of the render running on this thread. Stubble's value getters and truthy checks are static
    /// settings shared by every render, so they find the budget here; Stubble renders synchronously, on the
    /// calling thread, so nothing else can see it.
    /// </summary>
    [ThreadStatic]
    private static RenderBudget? _current;

    public static string Render(MustacheTemplate template, MustacheObject view, RenderBudget budget)
    {
        using var writer = new BudgetedWriter(budget);
        var renderer = new StringRender(writer, Settings.RendererPipeline, Settings.MaxRecursionDepth);
        var outer = _current;
        _current = budget;
        try
        {
            renderer.Render(template, new Context(view, Settings, PerRender));
        }
        catch (StubbleException e)
        {
            // Validation rules out the faults known to reach here; keep Stubble's exceptions inside the library anyway.
            throw new TemplateSyntaxException($"The template cannot be rendered: {e.Message}", 0);
        }
        finally
        {
            _current = outer;
        }
        return writer.ToString();
    }

    /// <summary>One unit of work for a lookup, a truthiness check or a list item visited.</summary>
    private static void Step() => _current?.Step();

    private static RendererSettings BuildSettings()
    {
        var builder = new RendererSettingsBuilder();
        builder.SetEncodingFunction(text => text);

        // Stubble's default getters also read CLR members by reflection ({{name.Length}}, {{items.Count}}).
        // Replacing each of them leaves MustacheSemantics as the only way a name resolves.
        RendererSettingsDefaults.ValueGetterDelegate none = (_, _, _) => null;
        builder.AddValueGetter(typeof(IList), none);
        builder.AddValueGetter(typeof(IDictionary<string, object>), none);
        builder.AddValueGetter(typeof(IDictionary), none);
        builder.AddValueGetter(typeof(IDynamicMetaObjectProvider), none);
        builder.AddValueGetter(typeof(object), (container, name, _) =>
        {
            Step();
            return MustacheSemantics.TryGetMember(container, name, out var value) ? value : null;
        });

        builder.AddTruthyCheck<string>(Truthy);
        builder.AddTruthyCheck<MustacheScalar>(Truthy);
        builder.AddTruthyCheck<MustacheList>(Truthy);
        builder.AddTruthyCheck<MustacheObject>(Truthy);
        return builder.BuildSettings();
    }

    private static bool Truthy(object value)
    {
        Step();
        return MustacheSemantics.IsTruthy(value);
    }

    /// <summary>
    /// Counts what Stubble writes against the budget as it is written, so a render that would grow too large stops
    /// before its text exists; a list section also pays for each item it visits through <see cref="MustacheList"/>.
    /// </summary>
    private sealed class BudgetedWriter(RenderBudget budget) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override void Write(char value)
        {
            budget.Output(1);
            base.Write(value);
        }

        public override void Write(string? value)
        {
            if (value is null) return;
            budget.Output(value.Length);
            base.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            budget.Output(count);
            base.Write(buffer, index, count);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            budget.Output(buffer.Length);
            base.Write(buffer);
        }

        public override void Write(StringBuilder? value)
        {
            if (value is null) return;
            budget.Output(value.Length);
            base.Write(value);
        }
    }

    /// <summary>Visiting list items through this counts them (see <see cref="MustacheList"/>).</summary>
    internal static void VisitItem() => Step();
}
