using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Contracts.Prompts;
using PromptFunctions.Prompts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PromptFunctions.Cli;

/// <summary>
/// <c>pf push &lt;folder&gt;</c>: prompts as code. Each <c>NAME.json</c>, <c>NAME.yaml</c> or <c>NAME.yml</c> file is
/// the version of prompt NAME (what the API takes as <c>version</c>). The service addresses versions by content, so
/// pushing unchanged files changes nothing and says so.
/// </summary>
internal static class PushCommand
{
    public static Command Create(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Folder of prompt files (NAME.json, NAME.yaml, NAME.yml)" };
        var tag = new Option<string?>("--tag") { Description = "Move this tag (e.g. staging) to each pushed version" };
        var message = new Option<string?>("--message") { Description = "Message recorded with new versions" };
        var command = new Command("push", "Save each prompt file as a version; unchanged files stay as they are.") { folder, tag, message };
        command.SetAction((parse, cancellationToken) => Pf.WithClientAsync(parse, error, environment, async client =>
        {
            var directory = parse.GetValue(folder)!;
            if (!directory.Exists) throw new CliException($"folder '{directory.FullName}' does not exist");
            var files = directory.EnumerateFiles()
                .Where(f => f.Extension is ".json" or ".yaml" or ".yml")
                .OrderBy(f => f.Name, StringComparer.Ordinal)
                .ToList();
            if (files.Count == 0) throw new CliException($"folder '{directory.FullName}' has no .json, .yaml or .yml files");
            var names = files.GroupBy(f => Path.GetFileNameWithoutExtension(f.Name)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            if (names.Count > 0) throw new CliException($"more than one file for prompt(s) {string.Join(", ", names)}");

            var tagName = parse.GetValue(tag);
            var results = new JsonArray();
            var changed = 0;
            foreach (var file in files)
            {
                var prompt = Path.GetFileNameWithoutExtension(file.Name);
                if (!Identifiers.IsPromptName(prompt)) throw new CliException($"'{file.Name}': '{prompt}' is not a valid prompt name: {Identifiers.PromptNameRule}");
                var version = ReadVersion(file);
                var saved = await client.CreateVersionAsync(prompt, new CreateVersionRequest(version, parse.GetValue(message), null, tagName is null ? null : [tagName]), cancellationToken);
                var moved = saved.Tags.Any(t => t.Changed);
                if (saved.Created || moved) changed++;
                results.Add(new JsonObject
                {
                    ["prompt"] = prompt,
                    ["id"] = saved.Id,
                    ["sequence"] = saved.Sequence,
                    ["created"] = saved.Created,
                    ["tags"] = new JsonArray(saved.Tags.Select(t => (JsonNode?)new JsonObject { ["name"] = t.Name, ["changed"] = t.Changed }).ToArray()),
                });
                if (!parse.GetValue(Pf.Json))
                {
                    var what = saved.Created ? "created" : "unchanged";
                    var tags = string.Concat(saved.Tags.Select(t => $"; {t.Name} {(t.Changed ? "moved to" : "already at")} v{saved.Sequence}"));
                    await output.WriteLineAsync($"{prompt}: {what} v{saved.Sequence} ({saved.Id[..12]}){tags}");
                }
            }
            if (parse.GetValue(Pf.Json)) await output.WriteLineAsync(results.ToJsonString());
            else await output.WriteLineAsync(changed == 0 ? "nothing changed" : $"{changed} of {files.Count} prompt(s) changed");
            return ExitCodes.Pass;
        }));
        return command;
    }

    /// <summary>The file as a version object: JSON as it is, YAML mapped to the same JSON (plain scalars typed as YAML 1.2's core schema types them).</summary>
    internal static JsonObject ReadVersion(FileInfo file)
    {
        var text = File.ReadAllText(file.FullName);
        JsonNode? node;
        try
        {
            node = file.Extension == ".json" ? JsonNode.Parse(text) : FromYaml(text);
        }
        catch (Exception e) when (e is JsonException or YamlException)
        {
            throw new CliException($"'{file.Name}' is not valid {(file.Extension == ".json" ? "JSON" : "YAML")}: {e.Message}");
        }
        return node as JsonObject ?? throw new CliException($"'{file.Name}' must hold one object: the version (template, template_format, model, ...)");
    }

    private static JsonNode? FromYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count != 1) throw new CliException("a YAML prompt file holds exactly one document");
        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(
            p.Key is YamlScalarNode key ? key.Value ?? "" : throw new CliException($"mapping keys must be plain text (at {p.Key.Start})"), Convert(p.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new CliException($"unsupported YAML node at {node.Start}"),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain) return JsonValue.Create(value);
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return JsonValue.Create(integer);
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)) return JsonValue.Create(number);
        return JsonValue.Create(value);
    }
}
