namespace PromptFunctions.Tests.Docs;

/// <summary>The repository the tests were built from, found by its solution file above the test binaries.</summary>
public static class Repository
{
    private static readonly HashSet<string> NotDocumentation =
        new(StringComparer.Ordinal) { ".git", ".data", "node_modules", "bin", "obj", "TestResults" };

    public static string Root { get; } = FindRoot();

    /// <summary>Every Markdown page of the repository: README.md, docs/ and the READMEs next to the code.</summary>
    public static IReadOnlyList<string> MarkdownFiles()
    {
        var files = new List<string>();
        var pending = new Stack<string>([Root]);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            files.AddRange(Directory.EnumerateFiles(dir, "*.md"));
            foreach (var sub in Directory.EnumerateDirectories(dir))
            {
                if (!NotDocumentation.Contains(Path.GetFileName(sub))) pending.Push(sub);
            }
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PromptFunctions.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("PromptFunctions.sln not found above the test binaries.");
    }
}
