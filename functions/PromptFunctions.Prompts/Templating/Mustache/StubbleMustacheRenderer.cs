using System.Collections;
using System.Dynamic;
using System.Globalization;
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

    public static string Render(MustacheTemplate template, MustacheObject view)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var renderer = new StringRender(writer, Settings.RendererPipeline, Settings.MaxRecursionDepth);
        try
        {
            renderer.Render(template, new Context(view, Settings, PerRender));
        }
        catch (StubbleException e)
        {
            // Validation rules out the faults known to reach here; keep Stubble's exceptions inside the library anyway.
            throw new TemplateSyntaxException($"The template cannot be rendered: {e.Message}", 0);
        }
        return writer.ToString();
    }

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
        builder.AddValueGetter(typeof(object),
            (container, name, _) => MustacheSemantics.TryGetMember(container, name, out var value) ? value : null);

        builder.AddTruthyCheck<string>(MustacheSemantics.IsTruthy);
        builder.AddTruthyCheck<MustacheScalar>(MustacheSemantics.IsTruthy);
        builder.AddTruthyCheck<MustacheList>(MustacheSemantics.IsTruthy);
        builder.AddTruthyCheck<MustacheObject>(MustacheSemantics.IsTruthy);
        return builder.BuildSettings();
    }
}
