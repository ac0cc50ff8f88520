using System.Text;
using System.Text.Json.Nodes;
using DiffPlex;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;

namespace PromptFunctions.Prompts.Diffing;

/// <summary>
/// A structured comparison of two versions: which messages were added, removed or changed (with a line diff
/// of changed text), which variables appeared or disappeared, and each changed field of the model, invocation
/// parameters, tools and response format.
/// </summary>
public static class PromptDiff
{
    public static JsonObject Compare(PromptVersionContent from, PromptVersionContent to)
    {
        var result = new JsonObject();
        var fromJson = PromptVersionJson.ToJson(from);
        var toJson = PromptVersionJson.ToJson(to);

        var fromType = TemplateType(from.Template);
        var toType = TemplateType(to.Template);
        if (fromType != toType) result["template_type"] = Change(fromType, toType);
        if (from.TemplateFormat != to.TemplateFormat)
            result["template_format"] = Change(PromptVersionJson.FormatName(from.TemplateFormat), PromptVersionJson.FormatName(to.TemplateFormat));

        result["messages"] = CompareMessages(Messages(fromJson), Messages(toJson));

        var fromVariables = PromptRenderer.GetVariables(from);
        var toVariables = PromptRenderer.GetVariables(to);
        result["variables"] = new JsonObject
        {
            ["added"] = Strings(toVariables.Except(fromVariables, StringComparer.Ordinal)),
            ["removed"] = Strings(fromVariables.Except(toVariables, StringComparer.Ordinal)),
        };

        result["model"] = FieldChanges(fromJson["model"], toJson["model"]);
        result["invocation_parameters"] = FieldChanges(fromJson["invocation_parameters"], toJson["invocation_parameters"]);
        result["tools"] = CompareTools(from.Tools, to.Tools, fromJson["tools"], toJson["tools"]);
        result["response_format"] = FieldChanges(fromJson["response_format"], toJson["response_format"]);
        result["description"] = FieldChanges(fromJson["description"], toJson["description"]);
        result["metadata"] = FieldChanges(fromJson["metadata"], toJson["metadata"]);
        result["identical"] = CanonicalJson.Sha256Hex(fromJson) == CanonicalJson.Sha256Hex(toJson);
        return result;
    }

    private static string TemplateType(PromptTemplate template) => template is ChatTemplate ? "chat" : "string";

    /// <summary>A string template is compared as one user-less text "message" so its text still gets a line diff.</summary>
    private static List<JsonObject> Messages(JsonObject version)
    {
        var template = (JsonObject)version["template"]!;
        if (template["messages"] is JsonArray messages) return messages.Select(m => (JsonObject)m!).ToList();
        return [new JsonObject { ["content"] = template["template"]!.DeepClone() }];
    }

    private static JsonArray CompareMessages(List<JsonObject> from, List<JsonObject> to)
    {
        // Each message's canonical JSON is one line (canonical JSON escapes newlines), so a line diff of those
        // lines aligns messages by equality, the way a text diff aligns lines.
        var fromLines = string.Join('\n', from.Select(m => Encoding.UTF8.GetString(CanonicalJson.Serialize(m))));
        var toLines = string.Join('\n', to.Select(m => Encoding.UTF8.GetString(CanonicalJson.Serialize(m))));
        var diff = Differ.Instance.CreateLineDiffs(fromLines, toLines, ignoreWhitespace: false, ignoreCase: false);

        var changes = new JsonArray();
        var fromIndex = 0;
        var toIndex = 0;
        void Unchanged(int untilFrom)
        {
            while (fromIndex < untilFrom)
            {
                changes.Add(new JsonObject { ["change"] = "unchanged", ["from_index"] = fromIndex, ["to_index"] = toIndex });
                fromIndex++;
                toIndex++;
            }
        }

        foreach (var block in diff.DiffBlocks)
        {
            Unchanged(block.DeleteStartA);
            var paired = Math.Min(block.DeleteCountA, block.InsertCountB);
            for (var i = 0; i < paired; i++)
            {
                changes.Add(ChangedMessage(from[fromIndex], to[toIndex], fromIndex, toIndex));
                fromIndex++;
                toIndex++;
            }
            for (var i = paired; i < block.DeleteCountA; i++)
            {
                changes.Add(new JsonObject { ["change"] = "removed", ["from_index"] = fromIndex, ["message"] = from[fromIndex].DeepClone() });
                fromIndex++;
            }
            for (var i = paired; i < block.InsertCountB; i++)
            {
                changes.Add(new JsonObject { ["change"] = "added", ["to_index"] = toIndex, ["message"] = to[toIndex].DeepClone() });
                toIndex++;
            }
        }
        Unchanged(from.Count);
        return changes;
    }

    private static JsonObject ChangedMessage(JsonObject from, JsonObject to, int fromIndex, int toIndex)
    {
        var change = new JsonObject { ["change"] = "changed", ["from_index"] = fromIndex, ["to_index"] = toIndex };
        var fromRole = from["role"]?.GetValue<string>() ?? from["type"]?.GetValue<string>();
        var toRole = to["role"]?.GetValue<string>() ?? to["type"]?.GetValue<string>();
        if (fromRole is not null || toRole is not null)
        {
            if (fromRole != toRole) change["role"] = Change(fromRole, toRole);
            else change["role"] = fromRole;
        }
        var fromText = MessageText(from);
        var toText = MessageText(to);
        if (fromText != toText) change["text_diff"] = LineDiff(fromText, toText);
        var otherChanges = FieldChanges(WithoutText(from), WithoutText(to));
        if (otherChanges.Count > 0) change["fields"] = otherChanges;
        return change;
    }

    /// <summary>The text a reader sees: string content, or the text parts joined by newlines.</summary>
    private static string MessageText(JsonObject message) => message["content"] switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonArray parts => string.Join('\n', parts.OfType<JsonObject>().Where(p => (string?)p["type"] == "text").Select(p => (string?)p["text"] ?? "")),
        _ => (string?)message["name"] ?? "",
    };

    private static JsonObject WithoutText(JsonObject message)
    {
        var copy = (JsonObject)message.DeepClone();
        copy.Remove("role");
        if (copy["content"] is JsonValue) copy.Remove("content");
        else if (copy["content"] is JsonArray parts)
            copy["content"] = new JsonArray(parts.OfType<JsonObject>().Where(p => (string?)p["type"] != "text").Select(p => (JsonNode?)p.DeepClone()).ToArray());
        return copy;
    }

    private static JsonArray LineDiff(string from, string to)
    {
        var model = InlineDiffBuilder.Diff(from, to, ignoreWhiteSpace: false, ignoreCase: false);
        var lines = new JsonArray();
        foreach (var line in model.Lines)
        {
            var op = line.Type switch
            {
                ChangeType.Inserted => "+",
                ChangeType.Deleted => "-",
                _ => " ",
            };
            lines.Add(new JsonObject { ["op"] = op, ["text"] = line.Text });
        }
        return lines;
    }

    private static JsonArray CompareTools(PromptTools? from, PromptTools? to, JsonNode? fromJson, JsonNode? toJson)
    {
        var changes = new JsonArray();
        var fromTools = (from?.Tools ?? []).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var toTools = (to?.Tools ?? []).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var fromByName = ToolJsonByName(fromJson);
        var toByName = ToolJsonByName(toJson);
        foreach (var name in fromTools.Keys.Union(toTools.Keys, StringComparer.Ordinal))
        {
            var inFrom = fromByName.TryGetValue(name, out var before);
            var inTo = toByName.TryGetValue(name, out var after);
            if (inFrom && !inTo) changes.Add(new JsonObject { ["name"] = name, ["change"] = "removed", ["tool"] = before!.DeepClone() });
            else if (!inFrom && inTo) changes.Add(new JsonObject { ["name"] = name, ["change"] = "added", ["tool"] = after!.DeepClone() });
            else
            {
                var fields = FieldChanges(before, after);
                if (fields.Count > 0) changes.Add(new JsonObject { ["name"] = name, ["change"] = "changed", ["fields"] = fields });
            }
        }
        foreach (var field in new[] { "tool_choice", "parallel_tool_calls" })
        {
            var before = fromJson?[field];
            var after = toJson?[field];
            if (!JsonNode.DeepEquals(before, after))
                changes.Add(new JsonObject { ["field"] = field, ["change"] = "changed", ["from"] = before?.DeepClone(), ["to"] = after?.DeepClone() });
        }
        return changes;
    }

    private static Dictionary<string, JsonNode> ToolJsonByName(JsonNode? tools) =>
        (tools?["tools"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .ToDictionary(t => (string)t["function"]!["name"]!, t => (JsonNode)t["function"]!, StringComparer.Ordinal);

    /// <summary>Every leaf that differs, by dotted path; objects recurse, arrays and scalars compare whole.</summary>
    public static JsonArray FieldChanges(JsonNode? from, JsonNode? to)
    {
        var changes = new JsonArray();
        Collect(from, to, "", changes);
        return changes;
    }

    private static void Collect(JsonNode? from, JsonNode? to, string path, JsonArray changes)
    {
        if (from is JsonObject fromObject && to is JsonObject toObject)
        {
            var names = fromObject.Select(p => p.Key).Union(toObject.Select(p => p.Key), StringComparer.Ordinal).Order(StringComparer.Ordinal);
            foreach (var name in names)
                Collect(fromObject[name], toObject[name], path.Length == 0 ? name : $"{path}.{name}", changes);
            return;
        }
        if (JsonNode.DeepEquals(from, to)) return;
        changes.Add(new JsonObject
        {
            ["field"] = path.Length == 0 ? "(value)" : path,
            ["change"] = from is null ? "added" : to is null ? "removed" : "changed",
            ["from"] = from?.DeepClone(),
            ["to"] = to?.DeepClone(),
        });
    }

    private static JsonObject Change(string? from, string? to) => new() { ["from"] = from, ["to"] = to };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
