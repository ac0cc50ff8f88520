using System.CommandLine;
using System.Text;
using PromptFunctions.Client;
using PromptFunctions.Contracts;

namespace PromptFunctions.Cli;

/// <summary>What <c>pf</c> exits with; CI reads these.</summary>
public static class ExitCodes
{
    /// <summary>Done; for a verdict: improved or non-inferior.</summary>
    public const int Pass = 0;
    /// <summary>Bad arguments, an unreachable or refusing service, a failed run.</summary>
    public const int Error = 1;
    public const int Inconclusive = 2;
    public const int Regressed = 3;
}

/// <summary>The command line: <c>push</c>, <c>run-suite</c>, <c>gate</c>, <c>tag</c>, <c>rollback</c>, <c>diff</c>.</summary>
public static class Pf
{
    internal static readonly Option<string?> Url = new("--url") { Description = "Service root, e.g. https://contoso-prompts.azurewebsites.net (default: $PF_URL)", Recursive = true };
    internal static readonly Option<string?> Key = new("--key") { Description = "API key (default: $PF_KEY)", Recursive = true };
    internal static readonly Option<bool> Json = new("--json") { Description = "Print JSON for scripts instead of text", Recursive = true };

    /// <summary>
    /// Runs one command line. <paramref name="environment"/> reads <c>PF_URL</c> and <c>PF_KEY</c>; tests pass their
    /// own writers and environment and call this in-process.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("pf: prompts as code, regression suites and a CI gate for PromptFunctions.") { Url, Key, Json };
        root.Subcommands.Add(PushCommand.Create(output, error, environment));
        root.Subcommands.Add(SuiteCommands.RunSuite(output, error, environment));
        root.Subcommands.Add(SuiteCommands.Gate(output, error, environment));
        root.Subcommands.Add(TagCommands.Tag(output, error, environment));
        root.Subcommands.Add(TagCommands.Rollback(output, error, environment));
        root.Subcommands.Add(TagCommands.Diff(output, error, environment));
        var parsed = root.Parse(args);
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
    }

    /// <summary>Runs a command's work with the client, turning service and input errors into a message and exit code 1.</summary>
    internal static async Task<int> WithClientAsync(ParseResult parse, TextWriter error, Func<string, string?> environment, Func<PromptFunctionsClient, Task<int>> work)
    {
        var url = parse.GetValue(Url) ?? environment("PF_URL");
        var key = parse.GetValue(Key) ?? environment("PF_KEY");
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var root))
        {
            await error.WriteLineAsync("error: give the service URL with --url or PF_URL.");
            return ExitCodes.Error;
        }
        if (string.IsNullOrWhiteSpace(key))
        {
            await error.WriteLineAsync("error: give an API key with --key or PF_KEY.");
            return ExitCodes.Error;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        using var client = new PromptFunctionsClient(http, new PromptFunctionsClientOptions { BaseUrl = root, ApiKey = key });
        try
        {
            return await work(client);
        }
        catch (PromptFunctionsException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            foreach (var fault in e.Problem?.Errors ?? []) await error.WriteLineAsync($"  {fault.Path}: {fault.Message}");
            return ExitCodes.Error;
        }
        catch (CliException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Error;
        }
    }

    internal static string ToJson<T>(T value) => Encoding.UTF8.GetString(ContractsJson.Serialize(value));
}

/// <summary>Bad input to a command (a file that is not a version, a malformed reference): exit code 1 with the message.</summary>
public sealed class CliException(string message) : Exception(message);
