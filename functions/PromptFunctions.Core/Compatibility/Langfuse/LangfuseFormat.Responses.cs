using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Templating;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Compatibility.Langfuse;

// Our versions as Langfuse prompts.
public static partial class LangfuseFormat
{
    /// <summary>
    /// The config a Langfuse client sees. For a version created through this API it is exactly the config that
    /// was sent; for one created natively it is its model, provider, invocation parameters, and tools and
    /// response format in our shape.
    /// </summary>
    public static JsonNode Config(VersionDocument document)
    {
        var content = document.ContentJson;
        JsonNode? kept = null;
        var fromLangfuse = content["metadata"] is JsonObject metadata && metadata.TryGetPropertyValue(ConfigMetadataKey, out kept);
        if (fromLangfuse && kept is not JsonObject) return kept?.DeepClone() ?? new JsonObject();

        var config = new JsonObject();
        if (content["model"] is JsonObject model)
        {
            config["model"] = model["name"]?.DeepClone();
            if (!fromLangfuse) config["provider"] = model["provider"]?.DeepClone();
        }
        if (content["invocation_parameters"] is JsonObject parameters)
        {
            foreach (var (member, value) in parameters) config[member] = value?.DeepClone();
        }
        if (fromLangfuse)
        {
            foreach (var (member, value) in (JsonObject)kept!) config[member] = value?.DeepClone();
        }
        else
        {
            if (content["tools"] is { } tools) config["tools"] = tools.DeepClone();
            if (content["response_format"] is { } format) config["response_format"] = format.DeepClone();
        }
        return config;
    }

    /// <summary>The template as Langfuse's <c>prompt</c>: text, or messages and placeholders.</summary>
    public static JsonNode PromptBody(VersionDocument document)
    {
        var template = document.ContentJson["template"]!.AsObject();
        if (template["type"]?.GetValue<string>() == "string") return template["template"]!.DeepClone();
        var items = new JsonArray();
        foreach (var message in template["messages"]!.AsArray())
        {
            var obj = message!.AsObject();
            items.Add(obj["type"]?.GetValue<string>() == "placeholder"
                ? new JsonObject { ["type"] = "placeholder", ["name"] = obj["name"]!.DeepClone() }
                : new JsonObject { ["role"] = obj["role"]!.DeepClone(), ["content"] = obj["content"]!.DeepClone() });
        }
        return items;
    }

    /// <summary>One version as a Langfuse <c>Prompt</c>; <paramref name="withIsActive"/> adds GET's legacy flag.</summary>
    public static JsonObject Prompt(VersionDocument document, PromptState state, bool withIsActive)
    {
        var record = document.Record;
        var labels = Labels(record, state);
        var prompt = new JsonObject
        {
            ["id"] = record.Id,
            ["name"] = record.Prompt,
            ["version"] = record.Sequence,
            ["type"] = IsChat(document.Content) ? "chat" : "text",
            ["prompt"] = PromptBody(document),
            ["config"] = Config(document),
            ["labels"] = Strings(labels),
            ["tags"] = Strings(Tags(state.Prompt)),
            ["commitMessage"] = record.Message,
            ["createdAt"] = Timestamp(record.CreatedAt),
            ["updatedAt"] = Timestamp(UpdatedAt(record, state)),
            ["createdBy"] = record.CreatedBy,
            ["resolutionGraph"] = null,
        };
        if (withIsActive) prompt["isActive"] = labels.Contains(DefaultLabel, StringComparer.Ordinal);
        return prompt;
    }

    /// <summary>Langfuse's timestamp form: UTC with milliseconds and 'Z'.</summary>
    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
