using System.CommandLine;
using System.Text.Json;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Prompts;

namespace PromptFunctions.Cli;

/// <summary><c>pf tag</c>, <c>pf rollback</c> and <c>pf diff</c>.</summary>
internal static class TagCommands
{
    private static readonly JsonSerializerOptions Indented = new(ContractsJson.Options) { WriteIndented = true };

    public static Command Tag(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        var prompt = new Argument<string>("prompt");
        var tag = new Argument<string>("tag");
        var version = new Argument<string>("version") { Description = "A version id or vN" };
        var reason = new Option<string?>("--reason") { Description = "Recorded in the tag's history" };
        var command = new Command("tag", "Point a tag at a version.") { prompt, tag, version, reason };
        command.SetAction((parse, cancellationToken) => Pf.WithClientAsync(parse, error, environment, async client =>
        {
            var moved = await client.MoveTagAsync(parse.GetValue(prompt)!, parse.GetValue(tag)!, new MoveTagRequest(parse.GetValue(version)!, parse.GetValue(reason)), cancellationToken);
            await output.WriteLineAsync(parse.GetValue(Pf.Json) ? Pf.ToJson(moved)
                : $"{moved.Prompt}: {moved.Name} {(moved.Changed ? "now points at" : "already pointed at")} v{moved.Version.Sequence} ({moved.Version.Id})");
            return ExitCodes.Pass;
        }));
        return command;
    }

    public static Command Rollback(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        var prompt = new Argument<string>("prompt");
        var tag = new Argument<string>("tag");
        var reason = new Option<string?>("--reason") { Description = "Recorded in the tag's history" };
        var command = new Command("rollback", "Return a tag to where it pointed before its last change.") { prompt, tag, reason };
        command.SetAction((parse, cancellationToken) => Pf.WithClientAsync(parse, error, environment, async client =>
        {
            var back = await client.RollbackTagAsync(parse.GetValue(prompt)!, parse.GetValue(tag)!, new RollbackRequest(parse.GetValue(reason)), cancellationToken);
            await output.WriteLineAsync(parse.GetValue(Pf.Json) ? Pf.ToJson(back)
                : $"{back.Prompt}: {back.Name} rolled back to v{back.Version.Sequence} ({back.Version.Id})");
            return ExitCodes.Pass;
        }));
        return command;
    }

    public static Command Diff(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        var prompt = new Argument<string>("prompt");
        var from = new Argument<string>("from") { Description = "A version id, vN, latest or tag:NAME" };
        var to = new Argument<string>("to") { Description = "A version id, vN, latest or tag:NAME" };
        var command = new Command("diff", "The difference between two versions of a prompt.") { prompt, from, to };
        command.SetAction((parse, cancellationToken) => Pf.WithClientAsync(parse, error, environment, async client =>
        {
            var diff = await client.DiffAsync(parse.GetValue(prompt)!, parse.GetValue(from)!, parse.GetValue(to)!, cancellationToken);
            if (parse.GetValue(Pf.Json))
            {
                await output.WriteLineAsync(Pf.ToJson(diff));
                return ExitCodes.Pass;
            }
            await output.WriteLineAsync($"{diff.Prompt}: v{diff.From.Sequence} ({diff.From.Id[..12]}) -> v{diff.To.Sequence} ({diff.To.Id[..12]})");
            foreach (var (member, value) in diff.Difference ?? [])
                await output.WriteLineAsync($"{member}: {JsonSerializer.Serialize(value, Indented)}");
            return ExitCodes.Pass;
        }));
        return command;
    }
}
