using System.Text.RegularExpressions;
using Stubble.Core.Builders;
using Stubble.Core.Classes;
using Stubble.Core.Exceptions;
using Stubble.Core.Parser;
using Stubble.Core.Tokens;

namespace PromptFunctions.Prompts.Templating.Mustache;

/// <summary>Parses a template into Stubble's token tree, turning every parse fault into a <see cref="TemplateSyntaxException"/>.</summary>
internal static partial class MustacheTemplateParser
{
    // The parsers in a pipeline hold no per-parse state, so one pipeline serves every thread.
    private static readonly ParserPipeline Pipeline = new ParserPipelineBuilder().Build();

    // An experiment renders the same few templates for every row; parsing them once per row was a visible share of a
    // row's CPU. Parsed trees are only read by the renderer and the walkers (Stubble caches them the same way), so one
    // tree serves every thread. Only templates that parse are kept, and the cache is emptied when it fills.
    private const int MaxCachedTemplates = 512;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, MustacheTemplate> Parsed = new(StringComparer.Ordinal);

    public static MustacheTemplate Parse(string template)
    {
        if (Parsed.TryGetValue(template, out var cached)) return cached;
        var parsed = ParseUncached(template);
        if (Parsed.Count >= MaxCachedTemplates) Parsed.Clear();
        Parsed.TryAdd(template, parsed);
        return parsed;
    }

    private static MustacheTemplate ParseUncached(string template)
    {
        MustacheSyntaxValidator.Validate(template);
        try
        {
            return MustacheParser.Parse(template, new Tags("{{", "}}"), 0, Pipeline);
        }
        catch (Exception e) when (e is StubbleException or IndexOutOfRangeException or ArgumentException)
        {
            // The validator should have caught this first; keep the promise that only TemplateSyntaxException escapes.
            var offset = OffsetInStubbleMessage().Match(e.Message) is { Success: true } match
                ? int.Parse(match.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture)
                : 0;
            throw new TemplateSyntaxException($"The template does not parse: {e.Message}", offset);
        }
    }

    [GeneratedRegex(@"\bat (\d{1,9})\b")]
    private static partial Regex OffsetInStubbleMessage();
}
