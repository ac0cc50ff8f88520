using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Templating;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Compatibility.Phoenix;

// Our version content as Phoenix's PromptVersion.
public static partial class PhoenixVersionMapping
{
    // The serialized Phoenix form of each version document, made once: documents are immutable and cached by the
    // catalog, and this table lets the bytes go when the catalog drops the document.
    private static readonly ConditionalWeakTable<VersionDocument, byte[]> Serialized = new();

    /// <summary>The version as Phoenix's <c>PromptVersion</c>, serialized; 422 when Phoenix cannot represent it.</summary>
    public static byte[] ToPhoenixBytes(VersionDocument document) =>
        Serialized.GetValue(document, static d => JsonResponses.Serialize(ToPhoenix(d)));

    /// <summary>
    /// The version as Phoenix's <c>PromptVersion</c>, in Phoenix's member order and with its read normalizations:
    /// <c>description</c> is "" when absent, <c>tools</c> and <c>response_format</c> are left out when absent.
    /// </summary>
    public static JsonObject ToPhoenix(VersionDocument document)
    {
        var content = document.Content;
        var record = document.Record;
        var model = content.Model ?? throw Unrepresentable(record, "it names no model, and a Phoenix prompt version needs model_provider and model_name");
        var obj = new JsonObject
        {
            ["description"] = content.Description ?? "",
            ["model_provider"] = model.Provider == "openai_compatible" ? "OPENAI" : model.Provider.ToUpperInvariant(),
            ["model_name"] = model.Name,
            ["template"] = content.Template switch
            {
                ChatTemplate chat => new JsonObject
                {
                    ["type"] = "chat",
                    ["messages"] = new JsonArray(chat.Messages.Select(message => (JsonNode?)(message switch
                    {
                        ChatMessageTemplate m => new JsonObject { ["role"] = PromptVersionJson.RoleName(m.Role), ["content"] = PromptVersionJson.ContentToJson(m.Content) },
                        PlaceholderMessage p => throw Unrepresentable(record, $"its template has the message placeholder '{p.Name}', which Phoenix templates cannot express"),
                        _ => throw new InvalidOperationException(message.ToString()),
                    })).ToArray()),
                },
                StringTemplate s => new JsonObject { ["type"] = "string", ["template"] = s.Template },
                _ => throw new InvalidOperationException(content.Template.ToString()),
            },
            ["template_type"] = content.Template is ChatTemplate ? "CHAT" : "STR",
            ["template_format"] = content.TemplateFormat switch
            {
                TemplateFormat.Mustache => "MUSTACHE",
                TemplateFormat.FString => "F_STRING",
                _ => "NONE",
            },
        };
        var invocationType = InvocationType(model.Provider);
        obj["invocation_parameters"] = new JsonObject { ["type"] = invocationType, [invocationType] = content.InvocationParameters.DeepClone() };
        if (content.Tools is { } tools) obj["tools"] = ToolsToPhoenix(tools);
        if (content.ResponseFormat is { } format)
        {
            if (format.Type != "json_schema") throw Unrepresentable(record, $"its response format is '{format.Type}', and Phoenix knows only 'json_schema'");
            var definition = new JsonObject { ["name"] = format.Name };
            if (format.Description is not null) definition["description"] = format.Description;
            if (format.Schema is not null) definition["schema"] = format.Schema.DeepClone();
            if (format.Strict is { } strict) definition["strict"] = strict;
            obj["response_format"] = new JsonObject { ["type"] = "json_schema", ["json_schema"] = definition };
        }
        obj["id"] = PhoenixIds.Version(record.Prompt, record.Id);
        return obj;
    }

    /// <summary>Phoenix's wrapper key for a provider: the OpenAI-compatible ones share <c>openai</c>, as Phoenix writes them.</summary>
    public static string InvocationType(string provider) => provider switch
    {
        "anthropic" or "google" or "aws" => provider,
        _ => "openai",
    };

    private static JsonObject ToolsToPhoenix(PromptTools tools)
    {
        var obj = new JsonObject
        {
            ["type"] = "tools",
            ["tools"] = new JsonArray(tools.Tools.Select(tool => (JsonNode?)PromptVersionJson.ToolJson(tool)).ToArray()),
        };
        if (tools.ToolChoice is { } choice)
        {
            obj["tool_choice"] = choice.FunctionName is { } name
                ? new JsonObject { ["type"] = "specific_function", ["function_name"] = name }
                : new JsonObject { ["type"] = choice.Mode switch { "auto" => "zero_or_more", "required" => "one_or_more", _ => "none" } };
        }
        if (tools.ParallelToolCalls is { } parallel) obj["disable_parallel_tool_calls"] = !parallel;
        return obj;
    }

    private static ProblemException Unrepresentable(VersionRecord record, string reason) =>
        PhoenixErrors.Invalid($"Version {record.Id} of prompt '{record.Prompt}' cannot be served through the Phoenix API: {reason}. " +
                 $"Read it at /{ApiRoutes.Expand(PromptRoutes.Version, record.Prompt, record.Id)} instead.");
}
