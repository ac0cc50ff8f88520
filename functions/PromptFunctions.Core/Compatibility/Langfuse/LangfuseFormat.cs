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
/// The mapping between Langfuse prompts and our versions, tags and prompt metadata (docs/langfuse.md). Labels are tags plus the synthetic <c>latest</c>; <c>config</c> splits into the version's model
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
}
