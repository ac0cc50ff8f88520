namespace PromptFunctions.Prompts.Templating.Mustache;

/// <summary>
/// Checks the tag structure of a mustache template before Stubble parses it. Stubble 1.10.8 reports some faults
/// well, but not all: an unclosed comment or partial tag throws <see cref="IndexOutOfRangeException"/>, a set-delimiter
/// tag with fewer than two delimiters (<c>{{= =}}</c>) makes it loop forever, an unclosed set-delimiter tag is
/// silently accepted, and a NUL character ends the template early. This scanner recognises tags exactly as Stubble's
/// parser does (same sigils, same whitespace, same delimiter switching), so a template that passes is one Stubble
/// parses the way the spec says, and every fault gets the offset of the tag that causes it.
/// </summary>
internal static class MustacheSyntaxValidator
{
    /// <summary>
    /// Stubble stops rendering at 256 levels of nesting; a lower, explicit limit turns that into a syntax error at the
    /// offending section instead of a failure in the middle of rendering.
    /// </summary>
    public const int MaxSectionDepth = 100;

    private const string DefaultOpen = "{{";
    private const string DefaultClose = "}}";

    public static void Validate(string template)
    {
        var nul = template.IndexOf('\0');
        if (nul >= 0) throw new TemplateSyntaxException("The template contains a NUL character (U+0000).", nul);

        var open = DefaultOpen;
        var close = DefaultClose;
        var sections = new Stack<(string Name, string Tag, int Offset)>();
        var position = 0;
        while (true)
        {
            var tagStart = template.IndexOf(open, position, StringComparison.Ordinal);
            if (tagStart < 0) break;

            var sigilAt = SkipWhitespace(template, tagStart + open.Length);
            var sigil = sigilAt < template.Length ? template[sigilAt] : '\0';
            var terminator = sigil switch
            {
                '{' => "}" + close,
                '=' => "=" + close,
                _ => close,
            };
            var contentStart = sigil is '{' or '=' or '#' or '^' or '/' or '!' or '>' or '&' ? sigilAt + 1 : sigilAt;
            var contentEnd = template.IndexOf(terminator, contentStart, StringComparison.Ordinal);
            if (contentEnd < 0)
            {
                throw new TemplateSyntaxException(
                    $"The tag '{open}' is never closed: expected '{terminator}' before the end of the template.", tagStart);
            }

            var content = TrimStubbleWhitespace(template[contentStart..contentEnd]);
            var tagText = template[tagStart..(contentEnd + terminator.Length)];
            switch (sigil)
            {
                case '!':
                    break;
                case '>':
                    throw new TemplateSyntaxException(
                        $"Partials ('{tagText}') are not supported in prompt templates.", tagStart);
                case '=':
                    (open, close) = ParseDelimiters(content, tagText, tagStart);
                    break;
                case '#' or '^':
                    RequireName(content, tagText, tagStart);
                    if (sections.Count == MaxSectionDepth)
                    {
                        throw new TemplateSyntaxException(
                            $"Sections are nested more than {MaxSectionDepth} levels deep.", tagStart);
                    }
                    sections.Push((content, tagText, tagStart));
                    break;
                case '/':
                    CloseSection(sections, content, tagText, tagStart);
                    break;
                default:
                    RequireName(content, tagText, tagStart);
                    break;
            }
            position = contentEnd + terminator.Length;
        }

        if (sections.Count > 0)
        {
            var (name, tag, offset) = sections.Peek();
            throw new TemplateSyntaxException(
                $"The section '{tag}' is never closed: expected '{open}/{name}{close}'.", offset);
        }
    }

    private static void CloseSection(Stack<(string Name, string Tag, int Offset)> sections, string name, string tagText, int tagStart)
    {
        if (sections.Count == 0)
        {
            throw new TemplateSyntaxException($"'{tagText}' closes a section that was never opened.", tagStart);
        }
        var (openName, openTag, openOffset) = sections.Pop();
        if (openName != name)
        {
            throw new TemplateSyntaxException(
                $"'{tagText}' does not match the innermost open section '{openTag}' (opened at offset {openOffset}).", tagStart);
        }
    }

    private static void RequireName(string name, string tagText, int tagStart)
    {
        if (name.Length == 0) throw new TemplateSyntaxException($"The tag '{tagText}' has no name.", tagStart);
    }

    /// <summary>The spec's rule: two delimiters separated by whitespace, neither containing whitespace or '='.</summary>
    private static (string Open, string Close) ParseDelimiters(string content, string tagText, int tagStart)
    {
        var parts = content.Split([' ', '\t', '\n', '\v', '\f', '\r'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || parts.Any(part => part.Contains('=')))
        {
            throw new TemplateSyntaxException(
                $"Invalid set-delimiter tag '{tagText}': expected two delimiters separated by a space, such as '{{{{=<% %>=}}}}'.",
                tagStart);
        }
        return (parts[0], parts[1]);
    }

    private static int SkipWhitespace(string text, int index)
    {
        while (index < text.Length && IsStubbleWhitespace(text[index])) index++;
        return index;
    }

    private static string TrimStubbleWhitespace(string text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && IsStubbleWhitespace(text[start])) start++;
        while (end > start && IsStubbleWhitespace(text[end - 1])) end--;
        return text[start..end];
    }

    // Stubble's notion of whitespace (CharHelper.IsWhitespace); string.Trim would also strip e.g. U+00A0.
    private static bool IsStubbleWhitespace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
