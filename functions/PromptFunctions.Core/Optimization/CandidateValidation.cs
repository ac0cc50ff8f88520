using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Core.Optimization;

/// <summary>A candidate as read from the optimizer's reply: its content when valid, else why it was rejected.</summary>
public sealed record CandidateCheck(int Index, PromptVersionContent? Content, string? ContentId, string? Rationale, string? Rejected, JsonNode? Template);

/// <summary>
/// Reads the optimizer's reply, <c>{"candidates": [{"template": ..., "rationale": "..."}]}</c>, and checks each
/// candidate: the template must have the current template's form and valid syntax, use exactly its variables, and
/// be the only thing that changes (the candidate is the current version with its template replaced). Every
/// rejection says why.
/// </summary>
public static class CandidateValidation
{
    public const int MaxRationaleChars = 2000;

    /// <summary>The JSON schema the optimizer's reply is requested with, for the current template's form.</summary>
    public static (JsonObject Schema, bool Strict) ReplySchema(PromptVersionContent current)
    {
        // Strict schemas must describe every member; a template with placeholders or multi-part messages cannot be
        // described that way, so its reply is requested without strict mode and checked here all the same.
        var plainChat = current.Template is ChatTemplate chat && chat.Messages.All(m => m is ChatMessageTemplate { Content.Text: not null });
        JsonObject template = current.Template is StringTemplate
            ? new JsonObject { ["type"] = "string" }
            : plainChat
                ? new JsonObject
                {
                    ["type"] = "array",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["role"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("system", "developer", "user", "assistant") },
                            ["content"] = new JsonObject { ["type"] = "string" },
                        },
                        ["required"] = new JsonArray("role", "content"),
                        ["additionalProperties"] = false,
                    },
                }
                : new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object" } };
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["candidates"] = new JsonObject
                {
                    ["type"] = "array",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject { ["template"] = template, ["rationale"] = new JsonObject { ["type"] = "string" } },
                        ["required"] = new JsonArray("template", "rationale"),
                        ["additionalProperties"] = false,
                    },
                },
            },
            ["required"] = new JsonArray("candidates"),
            ["additionalProperties"] = false,
        };
        return (schema, current.Template is StringTemplate || plainChat);
    }

    /// <summary>The template as the optimizer sees it and writes it: a string, or the list of messages.</summary>
    public static JsonNode TemplateJson(PromptVersionContent content)
    {
        var template = PromptVersionJson.ToJson(content)["template"]!;
        return content.Template is StringTemplate ? template["template"]!.DeepClone() : template["messages"]!.DeepClone();
    }

    /// <summary>The variables as the template writes them (<c>{{name}}</c> or <c>{name}</c>), for the meta-prompt.</summary>
    public static string VariablesText(PromptVersionContent content)
    {
        var names = PromptRenderer.GetVariables(content);
        if (names.Count == 0) return "none";
        return string.Join(", ", names.Select(n => content.TemplateFormat switch
        {
            TemplateFormat.Mustache => "{{" + n + "}}",
            TemplateFormat.FString => "{" + n + "}",
            _ => n,
        }));
    }

    /// <summary>
    /// Reads the reply. Returns null with <paramref name="error"/> when it is not the requested JSON at all; otherwise
    /// one check per candidate, the first <paramref name="max"/> considered and the rest rejected.
    /// </summary>
    public static IReadOnlyList<CandidateCheck>? Read(string reply, PromptVersionContent current, int max, out string? error)
    {
        error = null;
        var text = StripCodeFence(reply);
        JsonNode? root;
        var faults = new List<ValidationFault>();
        try
        {
            root = JsonInput.ParseNode(Encoding.UTF8.GetBytes(text), PromptVersionJson.DocumentOptions, "$", faults, out var valid);
            if (!valid)
            {
                error = $"the optimizer's reply has JSON the API does not accept: {faults[0].Path}: {faults[0].Message}";
                return null;
            }
        }
        catch (JsonException e)
        {
            error = $"the optimizer's reply is not JSON: {e.Message}";
            return null;
        }
        if (root is not JsonObject obj || obj["candidates"] is not JsonArray list)
        {
            error = "the optimizer's reply is not {\"candidates\": [...]}";
            return null;
        }

        var currentId = PromptVersionJson.ComputeId(current);
        var currentVariables = PromptRenderer.GetVariables(current);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var checks = new List<CandidateCheck>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var check = Check(i, list[i], current, currentId, currentVariables, seen, max);
            checks.Add(check);
            if (check.ContentId is not null) seen[check.ContentId] = i;
        }
        return checks;
    }

    private static CandidateCheck Check(int index, JsonNode? node, PromptVersionContent current, string currentId, IReadOnlyList<string> currentVariables,
        Dictionary<string, int> seen, int max)
    {
        if (node is not JsonObject candidate) return new CandidateCheck(index, null, null, null, "not an object with 'template' and 'rationale'", node?.DeepClone());
        var template = candidate["template"]?.DeepClone();
        var rationale = candidate["rationale"] is JsonValue r && r.TryGetValue<string>(out var rationaleText) ? OptimizationEvaluator.Cut(rationaleText, MaxRationaleChars) : null;
        CandidateCheck Reject(string reason) => new(index, null, null, rationale, reason, template);

        if (index >= max) return Reject($"beyond candidates_per_round ({max})");
        var others = candidate.Select(m => m.Key).Where(k => k is not ("template" or "rationale")).ToList();
        if (others.Count > 0)
            return Reject($"changes {string.Join(", ", others.Select(o => $"'{o}'"))}; only the template may change");
        if (template is null) return Reject("has no template");
        var isString = template is JsonValue v && v.TryGetValue<string>(out _);
        if (current.Template is StringTemplate && !isString) return Reject("the template must be one text, like the current template");
        if (current.Template is ChatTemplate && template is not JsonArray) return Reject("the template must be a list of messages, like the current template");

        // The candidate is the current version with its template replaced, read by the same reader as any version.
        var probe = PromptVersionJson.ToJson(current);
        probe["template"] = template.DeepClone();
        var cursor = new ValidatingJsonReader();
        var content = PromptVersionJson.Read(probe, "$", cursor);
        if (cursor.Faults.Count > 0 || content is null)
        {
            var fault = cursor.Faults.FirstOrDefault() ?? new ValidationFault("$.template", "invalid");
            return Reject($"the template is not valid: {fault.Path}: {fault.Message}");
        }
        var variables = PromptRenderer.GetVariables(content);
        var added = variables.Except(currentVariables, StringComparer.Ordinal).ToList();
        var dropped = currentVariables.Except(variables, StringComparer.Ordinal).ToList();
        if (added.Count > 0 || dropped.Count > 0)
        {
            var parts = new List<string>();
            if (dropped.Count > 0) parts.Add($"drops the variable(s) {string.Join(", ", dropped)}");
            if (added.Count > 0) parts.Add($"adds the variable(s) {string.Join(", ", added)}");
            return Reject($"{string.Join(" and ", parts)}; a candidate must use exactly the variables of the current template ({(currentVariables.Count == 0 ? "none" : string.Join(", ", currentVariables))})");
        }
        var id = PromptVersionJson.ComputeId(content);
        if (id == currentId) return Reject("identical to the current version");
        if (seen.TryGetValue(id, out var first)) return Reject($"identical to candidate {first}");
        return new CandidateCheck(index, content, id, rationale, null, template);
    }

    private static string StripCodeFence(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith("```", StringComparison.Ordinal)) return trimmed;
        var firstLine = trimmed.IndexOf('\n');
        var end = trimmed.LastIndexOf("```", StringComparison.Ordinal);
        return firstLine < 0 || end <= firstLine ? trimmed : trimmed[(firstLine + 1)..end].Trim();
    }
}
