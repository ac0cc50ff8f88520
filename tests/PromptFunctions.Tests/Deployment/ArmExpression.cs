using System.Globalization;
using System.Text;

namespace PromptFunctions.Tests.Deployment;

/// <summary>
/// A parsed ARM template language expression (the text between the brackets of <c>"[...]"</c>), enough of the
/// grammar to read compiled Bicep: function calls (with namespaces such as <c>__bicep.f</c>), string and integer
/// literals, property access and indexing.
/// </summary>
public abstract record ArmExpression
{
    public sealed record Call(string Name, IReadOnlyList<ArmExpression> Arguments) : ArmExpression;
    public sealed record Text(string Value) : ArmExpression;
    public sealed record Integer(long Value) : ArmExpression;
    public sealed record Property(ArmExpression Target, string Name) : ArmExpression;
    public sealed record Index(ArmExpression Target, ArmExpression Key) : ArmExpression;

    /// <summary>A JSON string value is an expression when it is bracketed and not escaped with <c>[[</c>.</summary>
    public static bool IsExpression(string value) => value.Length >= 2 && value[0] == '[' && value[^1] == ']' && value[1] != '[';

    public static ArmExpression Parse(string bracketed)
    {
        var parser = new Parser(bracketed[1..^1]);
        var expression = parser.ParseExpression();
        parser.SkipSpaces();
        if (!parser.AtEnd) throw new FormatException($"Unexpected text at {parser.Position} in {bracketed}");
        return expression;
    }

    private sealed class Parser(string text)
    {
        private int _at;
        public int Position => _at;
        public bool AtEnd => _at >= text.Length;

        public void SkipSpaces()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
        }

        public ArmExpression ParseExpression()
        {
            SkipSpaces();
            var expression = ParsePrimary();
            while (true)
            {
                SkipSpaces();
                if (Peek('.'))
                {
                    _at++;
                    expression = new Property(expression, ReadIdentifier());
                }
                else if (Peek('['))
                {
                    _at++;
                    var key = ParseExpression();
                    Expect(']');
                    expression = new Index(expression, key);
                }
                else return expression;
            }
        }

        private ArmExpression ParsePrimary()
        {
            if (Peek('\'')) return new Text(ReadString());
            if (_at < text.Length && (char.IsDigit(text[_at]) || text[_at] == '-'))
            {
                var start = _at++;
                while (_at < text.Length && char.IsDigit(text[_at])) _at++;
                return new Integer(long.Parse(text[start.._at], CultureInfo.InvariantCulture));
            }
            var name = ReadIdentifier();
            while (Peek('.'))
            {
                // A namespaced user function (__bicep.name) rather than property access: a call follows.
                var save = _at;
                _at++;
                var member = ReadIdentifier();
                SkipSpaces();
                if (Peek('(')) name = $"{name}.{member}";
                else
                {
                    _at = save;
                    break;
                }
            }
            SkipSpaces();
            Expect('(');
            var arguments = new List<ArmExpression>();
            SkipSpaces();
            if (!Peek(')'))
            {
                while (true)
                {
                    arguments.Add(ParseExpression());
                    SkipSpaces();
                    if (Peek(',')) _at++;
                    else break;
                }
            }
            Expect(')');
            return new Call(name, arguments);
        }

        private string ReadIdentifier()
        {
            var start = _at;
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] is '_' or '$')) _at++;
            if (start == _at) throw new FormatException($"Expected a name at {_at} in [{text}]");
            return text[start.._at];
        }

        private string ReadString()
        {
            Expect('\'');
            var value = new StringBuilder();
            while (true)
            {
                if (_at >= text.Length) throw new FormatException($"Unterminated string in [{text}]");
                var c = text[_at++];
                if (c != '\'')
                {
                    value.Append(c);
                    continue;
                }
                if (Peek('\''))
                {
                    value.Append('\'');
                    _at++;
                    continue;
                }
                return value.ToString();
            }
        }

        private bool Peek(char c) => _at < text.Length && text[_at] == c;

        private void Expect(char c)
        {
            SkipSpaces();
            if (!Peek(c)) throw new FormatException($"Expected '{c}' at {_at} in [{text}]");
            _at++;
        }
    }
}
