namespace PromptFunctions.Tests.Docs;

/// <summary>Relative links between the README, docs/ and the code must lead somewhere, anchors included.</summary>
public sealed class DocumentLinkTests
{
    [Fact]
    public void Every_relative_link_in_the_documentation_resolves()
    {
        var files = Repository.MarkdownFiles();
        var names = files.Select(Repository.Relative).ToList();
        Assert.Contains("README.md", names);
        Assert.Contains("docs/api.md", names);
        Assert.Contains("docs/configuration.md", names);

        var links = files.Sum(f => new MarkdownDocument(File.ReadAllText(f)).RelativeLinks().Count);
        var broken = files.SelectMany(BrokenLinks).ToList();

        // The README's table of contents alone has more than ten; far fewer means the parser stopped seeing links.
        Assert.True(links > 30, $"Only {links} relative links found in {files.Count} pages.");
        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void The_link_check_reports_missing_files_and_anchors()
    {
        var dir = Directory.CreateTempSubdirectory("pf-doc-links-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "docs"));
            File.WriteAllText(Path.Combine(dir.FullName, "docs", "target.md"), "# Target\n\n## Keys and roles (`read`)\n\n```bash\n# Not a heading\n```\n");
            var page = Path.Combine(dir.FullName, "README.md");
            File.WriteAllText(page, """
                # Page
                [fine](docs/target.md) and [fine](docs/target.md#keys-and-roles-read) and [fine](#page) and [dir](docs/)
                [gone](docs/missing.md) then [bad anchor](docs/target.md#not-a-heading) and [bad self](#nowhere)
                `[in code](nowhere.md)` and [external](https://example.invalid/x.md)
                ```md
                [in a block](nowhere.md)
                ```
                """);

            var broken = BrokenLinks(page);

            Assert.Equal(
            [
                "README.md:3: docs/missing.md: no such file",
                "README.md:3: docs/target.md#not-a-heading: no heading with that anchor",
                "README.md:3: #nowhere: no heading with that anchor",
            ], broken.Select(b => b.Replace(Repository.Relative(page), "README.md")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("A five-minute tour", "a-five-minute-tour")]
    [InlineData("Routes (prefix `/api`)", "routes-prefix-api")]
    [InlineData("How Langfuse's model maps to ours", "how-langfuses-model-maps-to-ours")]
    [InlineData("Walk-through: run, compare, promote, playground", "walk-through-run-compare-promote-playground")]
    [InlineData("See [the API](api.md) here", "see-the-api-here")]
    public void Anchors_are_the_ones_GitHub_generates(string heading, string anchor) => Assert.Equal(anchor, MarkdownDocument.Slug(heading));

    private static IEnumerable<string> BrokenLinks(string file)
    {
        var document = new MarkdownDocument(File.ReadAllText(file));
        foreach (var link in document.RelativeLinks())
        {
            var where = $"{Repository.Relative(file)}:{link.Line}: {link.Target}";
            var target = link.Path.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, link.Path));
            if (!File.Exists(target) && !Directory.Exists(target))
            {
                yield return $"{where}: no such file";
            }
            else if (link.Anchor is { } anchor && target.EndsWith(".md", StringComparison.Ordinal)
                     && !new MarkdownDocument(File.ReadAllText(target)).Anchors().Contains(anchor))
            {
                yield return $"{where}: no heading with that anchor";
            }
        }
    }
}
