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

/// <summary>A validated Langfuse create request, already mapped to a version of ours.</summary>
public sealed record LangfuseCreateRequest(
    string Name,
    bool IsChat,
    PromptVersionContent Content,
    IReadOnlyList<string> Labels,
    IReadOnlyList<string>? Tags,
    string? CommitMessage);

/// <summary>
/// The mapping between Langfuse prompts and our versions, tags and prompt metadata (README, "Langfuse
/// compatibility"). Labels are tags plus the synthetic <c>latest</c>; <c>config</c> splits into the version's model
/// and invocation parameters, and everything else in it is kept under <see cref="ConfigMetadataKey"/> in the
/// version's metadata, so a client reads back exactly the config it sent.
/// </summary>
public static partial class LangfuseFormat
{
    /// <summary>Version metadata member holding the config members that have no typed field of ours.</summary>
    public const string ConfigMetadataKey = "langfuse_config";

    /// <summary>Prompt metadata member holding Langfuse's prompt-level tags.</summary>
    public const string TagsMetadataKey = "langfuse_tags";

    public const string LatestLabel = "latest";
    public const string DefaultLabel = "production";
    public const string DefaultProvider = "openai";

    private const int MaxLabelLength = 36;
    private const int MaxCommitMessageLength = 500;
    private const int MaxTags = 100;
    private const int MaxTagLength = 256;

    /// <summary>Config members that become typed fields of the version; the rest are kept verbatim.</summary>
    private static readonly string[] MappedParameters =
    [
        InvocationParameterNames.Temperature, InvocationParameterNames.MaxTokens, InvocationParameterNames.MaxCompletionTokens,
        InvocationParameterNames.TopP, InvocationParameterNames.TopK, InvocationParameterNames.Seed, InvocationParameterNames.Stop,
        InvocationParameterNames.FrequencyPenalty, InvocationParameterNames.PresencePenalty, InvocationParameterNames.ReasoningEffort,
    ];

    [GeneratedRegex("^[a-z0-9_\\-.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex LangfuseLabelPattern();

    /// <summary>A prompt name from the URL (Langfuse clients percent-encode it), or 400 saying why it cannot be ours.</summary>
    public static string PromptName(string? raw)
    {
        var name = raw is not null && raw.Contains('%', StringComparison.Ordinal) ? Unescape(raw) : raw;
        if (NameProblem(name) is { } problem) throw ProblemException.BadRequest(problem);
        return name!;
    }

    private static string Unescape(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return text;
        }
    }

    private static string? NameProblem(string? name)
    {
        if (Identifiers.IsPromptName(name)) return null;
        var folders = name is not null && name.Contains('/', StringComparison.Ordinal) ? " Langfuse folders ('/' in the name) are not supported." : "";
        return $"Prompt name '{ApiCall.Printable(name)}' cannot be stored: Langfuse prompts are PromptFunctions prompts, and {Identifiers.PromptNameRule}.{folders}";
    }

    /// <summary>Why a label cannot be set here, or null: Langfuse's own rule first, then our tag-name rule.</summary>
    public static string? LabelProblem(string label)
    {
        if (label.Length is 0 or > MaxLabelLength || !LangfuseLabelPattern().IsMatch(label))
            return $"Label '{ApiCall.Printable(label)}' is invalid: a label has 1-{MaxLabelLength} characters, lowercase letters, digits, '_', '-' or '.'";
        if (label != LatestLabel && !Identifiers.IsTagName(label))
            return $"Label '{ApiCall.Printable(label)}' cannot be stored: labels are PromptFunctions tags, and {Identifiers.TagNameRule} (so no '.', and no '_' or '-' at either end)";
        return null;
    }

    /// <summary>A list of labels from a request body (<c>labels</c> or <c>newLabels</c>), without duplicates.</summary>
    public static List<string> ReadLabels(JsonNode? node, string path, ValidatingJsonReader cursor)
    {
        var labels = new List<string>();
        if (cursor.Array(node, path) is not { } array) return labels;
        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = ValidatingJsonReader.Index(path, i);
            if (cursor.String(array[i], itemPath) is not { } label) continue;
            if (LabelProblem(label) is { } problem) cursor.Fault(itemPath, problem);
            else if (!labels.Contains(label, StringComparer.Ordinal)) labels.Add(label);
        }
        return labels;
    }

    /// <summary>Validates a create request and maps it to a version; 400 listing every fault.</summary>
    public static LangfuseCreateRequest ReadCreateRequest(JsonNode? body)
    {
        var cursor = new ValidatingJsonReader();
        var obj = cursor.Object(body, "$");
        if (obj is null) throw Invalid(cursor.Faults);

        var name = cursor.String(cursor.Required(obj, "$", "name"), "$.name", allowEmpty: false);
        if (name is not null && NameProblem(name) is { } nameProblem) cursor.Fault("$.name", nameProblem);

        string? type = null;
        if (obj["type"] is { } typeNode)
        {
            type = cursor.String(typeNode, "$.type");
            if (type is not null and not ("text" or "chat")) cursor.Fault("$.type", $"must be 'text' or 'chat', got '{ApiCall.Printable(type)}'");
        }
        var isChat = type == "chat";
        JsonObject? template = null;
        var promptNode = cursor.Required(obj, "$", "prompt");
        if (promptNode is not null)
        {
            if (isChat) template = ReadChatPrompt(promptNode, cursor);
            else if (promptNode is JsonArray && type is null) cursor.Fault("$.type", "a chat prompt (a list of messages) needs \"type\": \"chat\"");
            else if (cursor.String(promptNode, "$.prompt") is { } text) template = new JsonObject { ["type"] = "string", ["template"] = text };
        }

        var labels = obj["labels"] is { } labelsNode ? ReadLabels(labelsNode, "$.labels", cursor) : [];
        // 'latest' always goes to the newest version; it is never stored as a tag.
        labels.Remove(LatestLabel);
        var tags = obj["tags"] is { } tagsNode ? ReadTags(tagsNode, cursor) : null;
        var commitMessage = obj["commitMessage"] is { } messageNode ? cursor.String(messageNode, "$.commitMessage", MaxCommitMessageLength) : null;
        if (cursor.Faults.Count > 0 || template is null) throw Invalid(cursor.Faults);

        var (model, parameters, kept) = SplitConfig(obj["config"]);
        var content = MapContent(template, model, parameters, kept, cursor);
        if (content is not null && kept is JsonObject keptObject && KeepNormalizedOriginals(obj["config"] as JsonObject, content, keptObject))
            content = MapContent(template, model, parameters, kept, cursor);
        if (content is not null && isChat) CheckPlaceholdersAgainstVariables(content, cursor);
        if (cursor.Faults.Count > 0 || content is null) throw Invalid(cursor.Faults);

        return new LangfuseCreateRequest(name!, isChat, content, labels, tags, commitMessage);
    }

    private static JsonObject? ReadChatPrompt(JsonNode node, ValidatingJsonReader cursor)
    {
        if (cursor.Array(node, "$.prompt") is not { } items) return null;
        var messages = new JsonArray();
        for (var i = 0; i < items.Count; i++)
        {
            var path = ValidatingJsonReader.Index("$.prompt", i);
            if (cursor.Object(items[i], path) is not { } item) continue;
            var itemType = item["type"] is { } t ? cursor.String(t, ValidatingJsonReader.Member(path, "type")) : "chatmessage";
            switch (itemType)
            {
                case "placeholder":
                    if (cursor.String(cursor.Required(item, path, "name"), ValidatingJsonReader.Member(path, "name"), 128, allowEmpty: false) is { } placeholder)
                        messages.Add(new JsonObject { ["type"] = "placeholder", ["name"] = placeholder });
                    break;
                case "chatmessage":
                    var role = cursor.String(cursor.Required(item, path, "role"), ValidatingJsonReader.Member(path, "role"));
                    var content = cursor.String(cursor.Required(item, path, "content"), ValidatingJsonReader.Member(path, "content"));
                    if (role is not null && !PromptVersionJson.TryParseRole(role, out _))
                        cursor.Fault(ValidatingJsonReader.Member(path, "role"), $"role '{ApiCall.Printable(role)}' cannot be stored: roles here are system, developer, user, assistant and tool");
                    else if (role is not null && content is not null)
                        messages.Add(new JsonObject { ["role"] = role, ["content"] = content });
                    break;
                case null:
                    break;
                default:
                    cursor.Fault(ValidatingJsonReader.Member(path, "type"), $"must be 'chatmessage' or 'placeholder', got '{ApiCall.Printable(itemType)}'");
                    break;
            }
        }
        return new JsonObject { ["type"] = "chat", ["messages"] = messages };
    }

    private static List<string> ReadTags(JsonNode node, ValidatingJsonReader cursor)
    {
        var tags = new List<string>();
        if (cursor.Array(node, "$.tags") is not { } array) return tags;
        if (array.Count > MaxTags) cursor.Fault("$.tags", $"at most {MaxTags} tags");
        for (var i = 0; i < array.Count; i++)
        {
            if (cursor.String(array[i], ValidatingJsonReader.Index("$.tags", i), MaxTagLength) is { } tag && !tags.Contains(tag, StringComparer.Ordinal)) tags.Add(tag);
        }
        return tags;
    }

    /// <summary>
    /// Splits a config into our model (name and provider), the invocation parameters we validate, and what is
    /// kept verbatim. <c>provider</c> is kept as well as mapped, so it is read back only when it was sent.
    /// </summary>
    private static (JsonObject? Model, JsonObject Parameters, JsonNode Kept) SplitConfig(JsonNode? config)
    {
        var parameters = new JsonObject();
        // A config that is not an object (Langfuse accepts any JSON) has nothing to map and is kept whole.
        if (config is null) return (null, parameters, new JsonObject());
        if (config is not JsonObject obj) return (null, parameters, config.DeepClone());

        var kept = new JsonObject();
        JsonObject? model = null;
        foreach (var (member, value) in obj)
        {
            if (member == "model" && value is JsonValue modelValue && modelValue.GetValueKind() == JsonValueKind.String)
                model = new JsonObject { ["name"] = modelValue.DeepClone(), ["provider"] = obj["provider"]?.DeepClone() ?? DefaultProvider };
            else if (MappedParameters.Contains(member) && value is not null)
                parameters[member] = value.DeepClone();
            else
                kept[member] = value?.DeepClone();
        }
        return (model, parameters, kept);
    }

    private static PromptVersionContent? MapContent(JsonObject template, JsonObject? model, JsonObject parameters, JsonNode kept, ValidatingJsonReader cursor)
    {
        var document = new JsonObject
        {
            ["template"] = template.DeepClone(),
            ["template_format"] = "mustache",
            ["invocation_parameters"] = parameters.DeepClone(),
            ["metadata"] = new JsonObject { [ConfigMetadataKey] = kept.DeepClone() },
        };
        if (model is not null) document["model"] = model.DeepClone();
        var inner = new ValidatingJsonReader();
        var content = PromptVersionJson.Read(document, "$", inner);
        foreach (var fault in inner.Faults) cursor.Fault(BodyPath(fault.Path), fault.Message);
        return content;
    }

    /// <summary>
    /// Our validation normalizes some parameters (a single <c>stop</c> string becomes a list); the value as sent
    /// is then kept too, and wins on read. Returns whether anything was added.
    /// </summary>
    private static bool KeepNormalizedOriginals(JsonObject? config, PromptVersionContent content, JsonObject kept)
    {
        if (config is null) return false;
        var added = false;
        foreach (var (member, normalized) in content.InvocationParameters)
        {
            if (config[member] is not { } sent || kept.ContainsKey(member)) continue;
            if (CanonicalJson.Serialize(sent).AsSpan().SequenceEqual(CanonicalJson.Serialize(normalized))) continue;
            kept[member] = sent.DeepClone();
            added = true;
        }
        return added;
    }

    private static void CheckPlaceholdersAgainstVariables(PromptVersionContent content, ValidatingJsonReader cursor)
    {
        if (content.Template is not ChatTemplate chat) return;
        var engine = TemplateEngines.For(content.TemplateFormat);
        var variables = chat.Messages.OfType<ChatMessageTemplate>()
            .Where(m => m.Content.Text is not null)
            .SelectMany(m => engine.GetVariables(m.Content.Text!))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var clash in chat.Messages.OfType<PlaceholderMessage>().Select(p => p.Name).Where(variables.Contains).Distinct())
            cursor.Fault("$.prompt", $"'{clash}' is both a placeholder and a variable; placeholder names must differ from variable names");
    }

    private static readonly (string Ours, string Theirs)[] PathPrefixes =
    [
        ("$.template.messages", "$.prompt"),
        ("$.template.template", "$.prompt"),
        ("$.template", "$.prompt"),
        ("$.invocation_parameters", "$.config"),
        ("$.model.provider", "$.config.provider"),
        ("$.model.name", "$.config.model"),
        ("$.model", "$.config"),
        ($"$.metadata.{ConfigMetadataKey}", "$.config"),
    ];

    /// <summary>A fault path in our version document, as a path in the Langfuse request body.</summary>
    private static string BodyPath(string path)
    {
        foreach (var (ours, theirs) in PathPrefixes)
        {
            if (path == ours || path.StartsWith(ours + ".", StringComparison.Ordinal) || path.StartsWith(ours + "[", StringComparison.Ordinal))
                return theirs + path[ours.Length..];
        }
        return path;
    }

    private static ProblemException Invalid(List<ValidationFault> faults) =>
        faults.Count > 0 ? ProblemException.Invalid(faults) : ProblemException.BadRequest("Invalid request data.");

    // ---------------------------------------------------------------------------------------------------------
    // Reading: our records as Langfuse prompts.

    public static bool IsChat(PromptVersionContent content) => content.Template is ChatTemplate;

    /// <summary>The labels of a version: the tags pointing at it (in name order), then <c>latest</c> if it is the newest.</summary>
    public static List<string> Labels(VersionRecord version, PromptState state)
    {
        var labels = new List<string>();
        foreach (var tag in state.Tags)
        {
            if (tag.Target.Id == version.Id && tag.Name != LatestLabel) labels.Add(tag.Name);
        }
        labels.Sort(StringComparer.Ordinal);
        if (state.Prompt.Latest?.Id == version.Id) labels.Add(LatestLabel);
        return labels;
    }

    /// <summary>The version a label points at: <c>latest</c> is the newest version, any other label a tag.</summary>
    public static VersionRecord? Resolve(PromptState state, string label)
    {
        if (label == LatestLabel) return state.Prompt.Latest;
        foreach (var tag in state.Tags)
        {
            if (tag.Name == label) return tag.Target;
        }
        return null;
    }

    /// <summary>Langfuse updates a version when its labels change; ours are immutable, so the newest tag change onto it counts.</summary>
    public static DateTimeOffset UpdatedAt(VersionRecord version, PromptState state)
    {
        var updated = version.CreatedAt;
        foreach (var tag in state.Tags)
        {
            if (tag.Target.Id == version.Id && tag.UpdatedAt > updated) updated = tag.UpdatedAt;
        }
        return updated;
    }

    /// <summary>Langfuse's prompt-level tags, kept in the prompt's metadata.</summary>
    public static List<string> Tags(PromptRecord prompt)
    {
        var tags = new List<string>();
        if (prompt.MetadataJson is null) return tags;
        if (JsonNode.Parse(prompt.MetadataJson) is JsonObject { } metadata && metadata[TagsMetadataKey] is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is JsonValue value && value.GetValueKind() == JsonValueKind.String) tags.Add(value.GetValue<string>());
            }
        }
        return tags;
    }

    /// <summary>The prompt metadata with Langfuse's tags set to <paramref name="tags"/>, other members untouched.</summary>
    public static string MetadataWithTags(string? metadataJson, IReadOnlyList<string> tags)
    {
        var metadata = metadataJson is not null && JsonNode.Parse(metadataJson) is JsonObject existing ? existing : new JsonObject();
        metadata[TagsMetadataKey] = new JsonArray(tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray());
        return metadata.ToJsonString();
    }

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
