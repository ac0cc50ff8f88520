using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Docs;

/// <summary>
/// The README's tour, run with bash and curl against the real local host over Azurite, exactly as a newcomer runs it
/// after <c>./run.sh</c>: only the host's address differs. Each comment line in the tour starts a step, and every
/// <c>`quoted`</c> snippet in a step's comments must appear in what the step prints.
/// </summary>
public sealed partial class ReadmeTourTests
{
    private const string TourHeading = "A five-minute tour";
    private const string RunShBaseLine = "H=http://127.0.0.1:7071/api";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    // A failing curl must fail the step and still show the problem details the host sent; -q ignores any ~/.curlrc.
    private const string StrictCurl = "curl() { command curl -q --fail-with-body --show-error --max-time 30 \"$@\"; }";

    [Fact]
    public void The_tour_uses_run_sh_s_address_and_the_development_key_it_prints()
    {
        var tour = Tour.FromReadme();
        var (_, secret, _) = DevelopmentKey();

        Assert.Equal(RunShBaseLine, tour.Prelude[0]);
        Assert.Equal($"K=\"Authorization: Bearer {secret}\"", tour.Prelude[1]);
        Assert.True(tour.Steps.Count >= 5, $"The tour has {tour.Steps.Count} steps.");
        Assert.All(tour.Steps, step => Assert.True(step.Expected.Count > 0,
            $"Step '{step.Comment}' says nothing `quoted` that its output shows, so nothing checks it."));
    }

    [Fact]
    public async Task Every_step_of_the_tour_succeeds_and_shows_what_the_readme_says_twice_in_a_row()
    {
        var tour = Tour.FromReadme();
        var (name, secret, roles) = DevelopmentKey();
        var devKey = new Dictionary<string, string?> { ["Auth:Keys:4:Name"] = name, ["Auth:Keys:4:Secret"] = secret };
        for (var i = 0; i < roles.Count; i++) devKey[$"Auth:Keys:4:Roles:{i}"] = roles[i];
        await using var host = await LocalHostDriver.StartAsync(devKey);
        var prelude = tour.Prelude.Select(line => line == RunShBaseLine ? $"H={host.BaseAddress.ToString().TrimEnd('/')}/api" : line);

        // The second round proves that a reader who runs the tour again (run.sh keeps its storage) gets the same answers.
        foreach (var round in new[] { 1, 2 })
        {
            foreach (var step in tour.Steps)
            {
                var script = string.Join('\n', ["set -euo pipefail", StrictCurl, .. prelude, step.Command]);
                var (exitCode, output, errors) = await RunBashAsync(script);
                var context = $"Round {round}, step '{step.Comment}':\n{step.Command}\nexit code {exitCode}\nstdout: {output}\nstderr: {errors}";

                Assert.True(exitCode == 0, context);
                foreach (var expected in step.Expected) Assert.True(output.Contains(expected, StringComparison.Ordinal), $"'{expected}' not shown. {context}");
            }
        }
    }

    [Fact]
    public void A_tour_is_read_into_a_prelude_and_steps_with_their_expected_snippets()
    {
        var tour = Tour.Parse(new MarkdownDocument("""
            # Title
            ## A five-minute tour
            ```bash
            H=http://127.0.0.1:7071/api
            K="x"

            # First: `one` and `"two":2`.
            # still the first step
            curl -s $H/a --json '{
              "multi": "line"}'
            # Second, with nothing quoted.
            curl -s $H/b
            ```
            ## Next
            ```bash
            # Not part of the tour.
            ```
            """));

        Assert.Equal(["H=http://127.0.0.1:7071/api", "K=\"x\""], tour.Prelude);
        Assert.Equal(2, tour.Steps.Count);
        Assert.Equal(["one", "\"two\":2"], tour.Steps[0].Expected);
        Assert.Equal("curl -s $H/a --json '{\n  \"multi\": \"line\"}'", tour.Steps[0].Command);
        Assert.Empty(tour.Steps[1].Expected);
        Assert.Equal("curl -s $H/b", tour.Steps[1].Command);
    }

    /// <summary>The local host's development key, which <c>run.sh</c> prints and the tour uses.</summary>
    private static (string Name, string Secret, IReadOnlyList<string> Roles) DevelopmentKey()
    {
        var path = Path.Combine(Repository.Root, "functions", "PromptFunctions.LocalHost", "appsettings.Development.json");
        var settings = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        })!;
        var key = settings["Auth"]!["Keys"]![0]!;
        return (key["Name"]!.GetValue<string>(), key["Secret"]!.GetValue<string>(),
            key["Roles"]!.AsArray().Select(r => r!.GetValue<string>()).ToList());
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunBashAsync(string script)
    {
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", script },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The host is on loopback; a proxy from the environment must not sit in between.
        foreach (var proxy in new[] { "http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY" })
            start.Environment.Remove(proxy);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StepTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The step did not finish within {StepTimeout}:\n{script}");
        }
        return (process.ExitCode, await output, await errors);
    }

    private sealed record Step(string Comment, string Command, IReadOnlyList<string> Expected);

    private sealed record Tour(IReadOnlyList<string> Prelude, IReadOnlyList<Step> Steps)
    {
        public static Tour FromReadme() => Parse(new MarkdownDocument(File.ReadAllText(Path.Combine(Repository.Root, "README.md"))));

        /// <summary>
        /// The bash blocks of the tour section, in order: lines before the first comment are the prelude (setting H
        /// and K); from there, each run of comment lines starts a step whose command is every line up to the next.
        /// </summary>
        public static Tour Parse(MarkdownDocument readme)
        {
            var lines = readme.BlocksInSection(TourHeading).Where(b => b.Info == "bash").SelectMany(b => b.Lines).ToList();
            Assert.NotEmpty(lines);
            var prelude = lines.TakeWhile(l => !IsComment(l)).Where(l => l.Trim().Length > 0).ToList();
            var steps = new List<Step>();
            var comments = new List<string>();
            var command = new List<string>();
            foreach (var line in lines.SkipWhile(l => !IsComment(l)))
            {
                if (IsComment(line) && command.Count > 0)
                {
                    steps.Add(NewStep(comments, command));
                    comments.Clear();
                    command.Clear();
                }
                if (IsComment(line)) comments.Add(line.Trim());
                else if (line.Trim().Length > 0) command.Add(line);
            }
            if (comments.Count > 0 || command.Count > 0) steps.Add(NewStep(comments, command));
            return new Tour(prelude, steps);
        }

        private static bool IsComment(string line) => line.TrimStart().StartsWith('#');

        private static Step NewStep(List<string> comments, List<string> command)
        {
            var comment = string.Join(' ', comments);
            Assert.True(command.Count > 0, $"The tour's step '{comment}' has no command.");
            var expected = QuotedSnippet().Matches(comment).Select(m => m.Groups["text"].Value).ToList();
            return new Step(comment, string.Join('\n', command), expected);
        }
    }

    [GeneratedRegex("`(?<text>[^`]+)`")]
    private static partial Regex QuotedSnippet();
}
