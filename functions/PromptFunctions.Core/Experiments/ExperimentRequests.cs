using System.Text.Json.Nodes;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Models;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Experiments;

/// <summary>The prompt an experiment or playground run uses: a stored version, or a draft that is not saved.</summary>
public sealed record PromptChoice(string Name, VersionRecord? Version, PromptVersionContent Content, string? DraftJson, string? DraftParent)
{
    /// <summary>The tag the version was resolved from, when the request named one.</summary>
    public string? Tag { get; init; }

    /// <summary>The version id, or the content id the draft would get if saved.</summary>
    public string VersionId => Version?.Id ?? PromptVersionJson.ComputeId(Content);
}

/// <summary>The model a run calls: a configured connection, never an endpoint or key from the request.</summary>
public sealed record ModelChoice(string Connection, string Model, JsonObject InvocationParameters);

/// <summary>
/// Reads the parts of experiment and playground requests that reference stored things (prompt, model connection,
/// evaluators), reporting every fault with its JSON path before anything is stored.
/// </summary>
public sealed class ExperimentRequestReader(PromptCatalog catalog, ModelConnections connections, IExperimentScorers scorers, Microsoft.Extensions.Options.IOptions<ExperimentsOptions> options)
{
    /// <summary>
    /// <c>{name, tag}</c>, <c>{name, version}</c> (id or <c>v{n}</c>), <c>{name}</c> (latest), or
    /// <c>{name, draft: {...version...}, parent?}</c>.
    /// </summary>
    public async Task<PromptChoice?> ReadPromptAsync(JsonNode? node, string path, ValidatingJsonReader cursor, CancellationToken cancellationToken)
    {
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, "name", "tag", "version", "draft", "parent");
        var name = cursor.String(cursor.Required(obj, path, "name"), ValidatingJsonReader.Member(path, "name"));
        if (name is not null && !Identifiers.IsPromptName(name))
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "name"), Identifiers.PromptNameRule);
            return null;
        }
        var tag = obj["tag"] is { } t ? cursor.String(t, ValidatingJsonReader.Member(path, "tag")) : null;
        var version = obj["version"] is { } v ? cursor.String(v, ValidatingJsonReader.Member(path, "version")) : null;
        var parent = obj["parent"] is { } p ? cursor.String(p, ValidatingJsonReader.Member(path, "parent")) : null;
        var given = (tag is null ? 0 : 1) + (version is null ? 0 : 1) + (obj["draft"] is null ? 0 : 1);
        if (given > 1) cursor.Fault(path, "give at most one of 'tag', 'version' and 'draft'");
        if (parent is not null && obj["draft"] is null) cursor.Fault(ValidatingJsonReader.Member(path, "parent"), "'parent' only applies to a draft");
        if (name is null || given > 1) return null;

        if (obj["draft"] is { } draftNode)
        {
            var content = PromptVersionJson.Read(draftNode, ValidatingJsonReader.Member(path, "draft"), cursor);
            if (content is null) return null;
            string? parentId = null;
            if (parent is not null)
            {
                parentId = PromptLookups.IsVersionReference(parent) ? (await catalog.ResolveVersionAsync(name, parent, cancellationToken))?.Id : null;
                if (parentId is null)
                {
                    cursor.Fault(ValidatingJsonReader.Member(path, "parent"), $"prompt '{name}' has no version '{parent}'");
                    return null;
                }
            }
            return new PromptChoice(name, null, content, PromptVersionJson.ToJson(content).ToJsonString(), parentId);
        }

        VersionRecord? record;
        if (tag is not null)
        {
            if (!Identifiers.IsTagName(tag))
            {
                cursor.Fault(ValidatingJsonReader.Member(path, "tag"), Identifiers.TagNameRule);
                return null;
            }
            record = await catalog.ResolveTagAsync(name, tag, cancellationToken);
            if (record is null) cursor.Fault(ValidatingJsonReader.Member(path, "tag"), $"prompt '{name}' has no tag '{tag}'");
        }
        else if (version is not null)
        {
            record = PromptLookups.IsVersionReference(version) ? await catalog.ResolveVersionAsync(name, version, cancellationToken) : null;
            if (record is null) cursor.Fault(ValidatingJsonReader.Member(path, "version"), $"prompt '{name}' has no version '{version}'");
        }
        else
        {
            record = await catalog.ResolveLatestAsync(name, cancellationToken);
            if (record is null) cursor.Fault(ValidatingJsonReader.Member(path, "name"), $"prompt '{name}' does not exist");
        }
        if (record is null) return null;
        var document = await catalog.GetDocumentAsync(record, cancellationToken) ?? throw new InvalidOperationException($"content of {record.Id} is missing");
        return new PromptChoice(name, record, document.Content, null, null) { Tag = tag };
    }

    /// <summary>
    /// <c>{connection?, model?, invocation_parameters?}</c>; defaults: the configured default connection (or the only
    /// one), the prompt's model name (or the connection's), and the prompt's parameters with overrides merged in.
    /// </summary>
    public ModelChoice? ReadModel(JsonNode? node, string path, PromptVersionContent content, ValidatingJsonReader cursor)
    {
        var obj = node is null ? new JsonObject() : cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, "connection", "model", "invocation_parameters");
        var connection = obj["connection"] is { } c ? cursor.String(c, ValidatingJsonReader.Member(path, "connection"), 128) : null;
        connection ??= options.Value.DefaultConnection ?? (connections.Names.Count == 1 ? connections.Names.Single() : null);
        if (connection is null)
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "connection"),
                connections.Names.Count == 0 ? "no model connections are configured (Models:<name>)" : $"name a connection: one of {string.Join(", ", connections.Names)}");
            return null;
        }
        if (!connections.Exists(connection))
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "connection"), $"no model connection named '{connection}'; configured: {string.Join(", ", connections.Names)}");
            return null;
        }
        var model = obj["model"] is { } m ? cursor.String(m, ValidatingJsonReader.Member(path, "model"), 256, allowEmpty: false) : null;
        model ??= content.Model?.Name ?? connections.Settings(connection).Model;

        var parameters = (JsonObject)content.InvocationParameters.DeepClone();
        if (obj["invocation_parameters"] is { } overrides)
        {
            // Overrides follow the same rules as a version's parameters; validate them by reading a probe version.
            var probe = new JsonObject { ["template"] = "x", ["template_format"] = "none", ["invocation_parameters"] = overrides.DeepClone() };
            var probeCursor = new ValidatingJsonReader();
            var parsed = PromptVersionJson.Read(probe, "$", probeCursor);
            foreach (var fault in probeCursor.Faults)
                cursor.Fault(fault.Path.Replace("$.invocation_parameters", ValidatingJsonReader.Member(path, "invocation_parameters"), StringComparison.Ordinal), fault.Message);
            if (parsed is null) return null;
            foreach (var (key, value) in parsed.InvocationParameters) parameters[key] = value?.DeepClone();
        }
        return new ModelChoice(connection, model, parameters);
    }

    public JsonArray? ReadEvaluators(JsonNode? node, string path, ValidatingJsonReader cursor)
    {
        if (node is null) return [];
        var before = cursor.Faults.Count;
        scorers.Validate(node, path, cursor, connections.Exists);
        return cursor.Faults.Count == before ? (JsonArray)node.DeepClone() : null;
    }

    public static ResponseCacheMode? ReadCacheMode(JsonNode? node, string path, ValidatingJsonReader cursor)
    {
        if (node is null) return ResponseCacheMode.Fresh;
        var text = cursor.String(node, path);
        switch (text)
        {
            case "fresh": return ResponseCacheMode.Fresh;
            case "record": return ResponseCacheMode.Record;
            case "replay": return ResponseCacheMode.Replay;
            case null: return null;
            default:
                cursor.Fault(path, $"must be 'fresh', 'record' or 'replay'; got '{text}'");
                return null;
        }
    }
}
