using System.Text;
using System.Text.RegularExpressions;

namespace PromptFunctions.Tests.Docs;

/// <summary>A fenced code block: its info string (<c>bash</c>, <c>json</c>, ...), its lines and the line its fence opens on (1-based).</summary>
public sealed record FencedBlock(string Info, IReadOnlyList<string> Lines, int StartLine);

/// <summary>A relative link written as <c>[text](target)</c>: the target's path part (empty for a link within the page), its anchor and line.</summary>
public sealed record RelativeLink(string Target, string Path, string? Anchor, int Line);

/// <summary>
/// The parts of a Markdown page the documentation tests need: fenced blocks, headings (with the anchors GitHub gives
/// them), sections and relative links. Enough CommonMark for this repository's pages, not a general parser.
/// </summary>
public sealed partial class MarkdownDocument
{
    private readonly string[] _lines;
    private readonly bool[] _inFence;

    public MarkdownDocument(string text)
    {
        _lines = text.Replace("\r\n", "\n").Split('\n');
        _inFence = new bool[_lines.Length];
        var blocks = new List<FencedBlock>();
        for (var i = 0; i < _lines.Length; i++)
        {
            var open = FenceLine().Match(_lines[i]);
            if (!open.Success) continue;
            var fence = open.Groups["fence"].Value;
            var body = new List<string>();
            var start = i;
            _inFence[i] = true;
            for (i++; i < _lines.Length; i++)
            {
                _inFence[i] = true;
                var close = FenceLine().Match(_lines[i]);
                if (close.Success && close.Groups["fence"].Value[0] == fence[0] && close.Groups["fence"].Value.Length >= fence.Length
                    && close.Groups["info"].Value.Length == 0) break;
                body.Add(_lines[i]);
            }
            blocks.Add(new FencedBlock(open.Groups["info"].Value, body, start + 1));
        }
        Blocks = blocks;
        Headings = Enumerable.Range(0, _lines.Length)
            .Where(i => !_inFence[i] && HeadingLine().IsMatch(_lines[i]))
            .Select(i => (Line: i, Level: HeadingLine().Match(_lines[i]).Groups["marks"].Length, Text: HeadingLine().Match(_lines[i]).Groups["text"].Value.Trim()))
            .ToList();
    }

    public IReadOnlyList<FencedBlock> Blocks { get; }

    private IReadOnlyList<(int Line, int Level, string Text)> Headings { get; }

    /// <summary>The anchors GitHub generates for the headings, with <c>-1</c>, <c>-2</c>... for repeats.</summary>
    public IReadOnlySet<string> Anchors()
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, _, text) in Headings)
        {
            var slug = Slug(text);
            var unique = slug;
            for (var n = 1; !anchors.Add(unique); n++) unique = $"{slug}-{n}";
        }
        return anchors;
    }

    /// <summary>The fenced blocks under the heading with this exact text, up to the next heading of the same or a higher level.</summary>
    public IReadOnlyList<FencedBlock> BlocksInSection(string heading)
    {
        var index = Headings.ToList().FindIndex(h => h.Text == heading);
        if (index < 0) throw new InvalidOperationException($"No heading '{heading}' in the document.");
        var (line, level, _) = Headings[index];
        var end = Headings.Skip(index + 1).FirstOrDefault(h => h.Level <= level).Line;
        if (end == 0) end = _lines.Length;
        return Blocks.Where(b => b.StartLine - 1 > line && b.StartLine - 1 < end).ToList();
    }

    /// <summary>Every inline link and image outside code whose target has no URL scheme.</summary>
    public IReadOnlyList<RelativeLink> RelativeLinks()
    {
        var links = new List<RelativeLink>();
        for (var i = 0; i < _lines.Length; i++)
        {
            if (_inFence[i]) continue;
            var text = CodeSpan().Replace(_lines[i], "");
            foreach (Match match in LinkTarget().Matches(text))
            {
                var target = match.Groups["target"].Value;
                if (UrlScheme().IsMatch(target)) continue;
                var hash = target.IndexOf('#');
                links.Add(hash < 0
                    ? new RelativeLink(target, Uri.UnescapeDataString(target), null, i + 1)
                    : new RelativeLink(target, Uri.UnescapeDataString(target[..hash]), target[(hash + 1)..], i + 1));
            }
        }
        return links;
    }

    /// <summary>GitHub's heading anchor: lowercase, markup and punctuation dropped (letters, digits, '_' and '-' kept), spaces as '-'.</summary>
    public static string Slug(string heading)
    {
        var text = LinkMarkup().Replace(heading, "${text}");
        var slug = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '_' or '-') slug.Append(c);
            else if (c == ' ') slug.Append('-');
        }
        return slug.ToString();
    }

    [GeneratedRegex(@"^ {0,3}(?<fence>`{3,}|~{3,})\s*(?<info>[^`\s]*)")]
    private static partial Regex FenceLine();

    [GeneratedRegex(@"^ {0,3}(?<marks>#{1,6})\s+(?<text>.*?)\s*#*\s*$")]
    private static partial Regex HeadingLine();

    [GeneratedRegex(@"(`+)[^`].*?\1")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex LinkTarget();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkMarkup();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex UrlScheme();
}
