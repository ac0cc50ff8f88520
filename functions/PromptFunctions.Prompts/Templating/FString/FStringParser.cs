using System.Globalization;
using System.Text;

namespace PromptFunctions.Prompts.Templating.FString;

/// <summary>
/// Parses text with the rules of Python's <c>str.format</c> (CPython's <c>MarkupIterator</c>, <c>parse_field</c> and
/// <c>FieldNameIterator</c>), with the same error messages. Two rules are added for prompts, which have no positional
/// arguments: an empty field name (<c>{}</c>, <c>{.a}</c>) and a numeric one (<c>{0}</c>) are syntax errors.
/// Unlike Python, which reports field-name and conversion faults only when it reaches the field, every fault is
/// reported up front.
/// </summary>
internal sealed class FStringParser
{
    // CPython formats the top level with recursion depth 2 and a nested format spec with one less; a spec nested
    // inside a nested spec would need depth 0, which is "Max string recursion exceeded".
    private const int TopLevelDepth = 2;

    private static readonly FStringTemplate Empty = new([]);

    private readonly string text;

    private FStringParser(string text) => this.text = text;

    public static FStringTemplate Parse(string template) =>
        new FStringParser(template).ParseRange(0, template.Length, TopLevelDepth);

    private FStringTemplate ParseRange(int start, int end, int depth)
    {
        var segments = new List<FStringSegment>();
        var literal = new StringBuilder();
        var position = start;
        while (position < end)
        {
            var literalStart = position;
            var brace = '\0';
            while (position < end)
            {
                var c = text[position++];
                if (c is '{' or '}')
                {
                    brace = c;
                    break;
                }
            }

            var atEnd = position >= end;
            var literalLength = position - literalStart;
            if (brace == '}' && (atEnd || text[position] != '}'))
            {
                throw new TemplateSyntaxException("Single '}' encountered in format string", position - 1);
            }
            if (brace == '{' && atEnd)
            {
                throw new TemplateSyntaxException("Single '{' encountered in format string", position - 1);
            }

            var fieldFollows = false;
            if (brace != '\0')
            {
                if (text[position] == brace)
                {
                    position++; // a doubled brace is one literal brace, already counted in literalLength
                }
                else
                {
                    literalLength--;
                    fieldFollows = true;
                }
            }

            literal.Append(text, literalStart, literalLength);
            if (!fieldFollows) continue;

            if (literal.Length > 0)
            {
                segments.Add(new FStringLiteral(literal.ToString()));
                literal.Clear();
            }
            segments.Add(ParseField(position - 1, ref position, end, depth));
        }

        if (literal.Length > 0) segments.Add(new FStringLiteral(literal.ToString()));
        return new FStringTemplate(segments);
    }

    /// <summary>
    /// Parses the field whose '{' is at <paramref name="openBrace"/>; <paramref name="position"/> is just after it.
    /// Faults are raised in CPython's order: the field's extent first, then its name, conversion and nested spec.
    /// </summary>
    private FStringField ParseField(int openBrace, ref int position, int end, int depth)
    {
        var nameStart = position;
        var c = '\0';
        while (position < end)
        {
            c = text[position++];
            if (c == '{') throw new TemplateSyntaxException("unexpected '{' in field name", position - 1);
            if (c == '[')
            {
                while (position < end && text[position] != ']') position++;
                continue;
            }
            if (c is '}' or ':' or '!') break;
        }
        var nameText = text[nameStart..(position - 1)];

        if (c is not ('!' or ':'))
        {
            if (c != '}') throw new TemplateSyntaxException("expected '}' before end of string", openBrace);
            return new FStringField(openBrace, ParseFieldName(nameText, openBrace), null, Empty);
        }

        (char Char, int Offset)? conversion = null;
        if (c == '!')
        {
            if (position >= end)
            {
                throw new TemplateSyntaxException("end of string while looking for conversion specifier", openBrace);
            }
            conversion = (text[position], position);
            position++;
            if (position < end)
            {
                var next = text[position++];
                if (next == '}') return Field(openBrace, nameText, conversion, Empty);
                if (next != ':') throw new TemplateSyntaxException("expected ':' after conversion specifier", position - 1);
            }
        }

        var specStart = position;
        var nesting = 1;
        var needsExpanding = false;
        while (position < end)
        {
            var s = text[position++];
            if (s == '{')
            {
                needsExpanding = true;
                nesting++;
            }
            else if (s == '}' && --nesting == 0)
            {
                var field = Field(openBrace, nameText, conversion, Literal(text[specStart..(position - 1)]));
                return needsExpanding
                    ? field with { FormatSpec = ParseNestedSpec(specStart, position - 1, depth - 1, openBrace) }
                    : field;
            }
        }
        throw new TemplateSyntaxException("unmatched '{' in format spec", openBrace);
    }

    private static FStringField Field(int openBrace, string nameText, (char Char, int Offset)? conversion, FStringTemplate spec)
    {
        var name = ParseFieldName(nameText, openBrace);
        char? validConversion = conversion is { } given ? ValidConversion(given.Char, given.Offset) : null;
        return new FStringField(openBrace, name, validConversion, spec);
    }

    private FStringTemplate ParseNestedSpec(int start, int end, int depth, int openBrace)
    {
        if (depth <= 0)
        {
            throw new TemplateSyntaxException(
                "Max string recursion exceeded: a format spec may contain replacement fields only one level deep", openBrace);
        }
        return ParseRange(start, end, depth);
    }

    private static FStringTemplate Literal(string spec) => spec.Length == 0 ? Empty : new([new FStringLiteral(spec)]);

    private static char ValidConversion(char conversion, int offset)
    {
        if (conversion is 's' or 'r' or 'a') return conversion;
        var shown = conversion is > ' ' and < (char)127
            ? conversion.ToString()
            : "\\x" + ((int)conversion).ToString("x", CultureInfo.InvariantCulture);
        throw new TemplateSyntaxException($"Unknown conversion specifier {shown}", offset);
    }

    /// <summary>Python's <c>field_name_split</c> and <c>FieldNameIterator</c>, plus the prompt rules for positional names.</summary>
    private static FieldName ParseFieldName(string fieldName, int openBrace)
    {
        var argEnd = fieldName.IndexOfAny(['.', '[']);
        if (argEnd < 0) argEnd = fieldName.Length;
        var argName = fieldName[..argEnd];
        if (argName.Length == 0)
        {
            throw new TemplateSyntaxException(
                $"Empty field name in '{{{fieldName}}}': prompts have no positional arguments, so every field needs a variable name, e.g. '{{name}}'",
                openBrace);
        }
        if (DecimalValue(argName, openBrace) is not null)
        {
            throw new TemplateSyntaxException(
                $"Positional field '{{{fieldName}}}': prompts have no positional arguments, so every field needs a variable name, e.g. '{{name}}'",
                openBrace);
        }

        var accessors = new List<FieldAccessor>();
        var position = argEnd;
        while (position < fieldName.Length)
        {
            var kind = fieldName[position++];
            string key;
            if (kind == '.')
            {
                var keyEnd = fieldName.IndexOfAny(['.', '['], position);
                if (keyEnd < 0) keyEnd = fieldName.Length;
                key = fieldName[position..keyEnd];
                position = keyEnd;
            }
            else if (kind == '[')
            {
                var close = fieldName.IndexOf(']', position);
                if (close < 0) throw new TemplateSyntaxException("Missing ']' in format string", openBrace);
                key = fieldName[position..close];
                position = close + 1;
            }
            else
            {
                throw new TemplateSyntaxException("Only '.' or '[' may follow ']' in format field specifier", openBrace);
            }

            if (key.Length == 0) throw new TemplateSyntaxException("Empty attribute in format string", openBrace);
            accessors.Add(new FieldAccessor(kind == '.', key, kind == '[' ? DecimalValue(key, openBrace) : null));
        }
        return new FieldName(fieldName, argName, accessors);
    }

    /// <summary>Python's <c>get_integer</c>: the value when every character is a decimal digit (any script), else null.</summary>
    private static long? DecimalValue(string digits, int offset)
    {
        if (digits.Length == 0) return null;
        long value = 0;
        foreach (var c in digits)
        {
            var digit = CharUnicodeInfo.GetDecimalDigitValue(c);
            if (digit < 0) return null;
            if (value > (long.MaxValue - digit) / 10)
            {
                throw new TemplateSyntaxException("Too many decimal digits in format string", offset);
            }
            value = value * 10 + digit;
        }
        return value;
    }
}
