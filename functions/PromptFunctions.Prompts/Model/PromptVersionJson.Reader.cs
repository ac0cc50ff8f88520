using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Model;

// Reading a version document: the closed schema, every fault with its path.
public static partial class PromptVersionJson
{
    /// <summary>Reads into <paramref name="cursor"/> without throwing; returns null when anything is wrong.</summary>
    public static PromptVersionContent? Read(JsonNode? node, string path, ValidatingJsonReader cursor)
    {
        var faultsBefore = cursor.Faults.Count;
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, ContentMembers);

        var format = TemplateFormat.Mustache;
        if (obj["template_format"] is { } formatNode)
        {
            var text = cursor.String(formatNode, ValidatingJsonReader.Member(path, "template_format"));
            if (text is not null && !TryParseFormat(text, out format))
                cursor.Fault(ValidatingJsonReader.Member(path, "template_format"), $"must be one of mustache, f_string, none; got '{text}'");
        }

        var templateNode = cursor.Required(obj, path, "template");
        var template = templateNode is null ? null : ReadTemplate(templateNode, ValidatingJsonReader.Member(path, "template"), cursor);
        // Faults point into the document as the caller wrote it, shorthand or not.
        if (template is not null) CheckTemplateSyntax(template, format, ValidatingJsonReader.Member(path, "template"), templateNode is not JsonObject, cursor);

        var model = obj["model"] is { } modelNode ? ReadModel(modelNode, ValidatingJsonReader.Member(path, "model"), cursor) : null;
        var parameters = obj["invocation_parameters"] is { } parametersNode
            ? ReadInvocationParameters(parametersNode, ValidatingJsonReader.Member(path, "invocation_parameters"), cursor)
            : [];
        var tools = obj["tools"] is { } toolsNode ? ReadTools(toolsNode, ValidatingJsonReader.Member(path, "tools"), cursor) : null;
        var responseFormat = obj["response_format"] is { } rfNode ? ReadResponseFormat(rfNode, ValidatingJsonReader.Member(path, "response_format"), cursor) : null;
        var description = obj["description"] is { } descriptionNode ? cursor.String(descriptionNode, ValidatingJsonReader.Member(path, "description"), 10_000) : null;
        var metadata = obj["metadata"] is { } metadataNode ? cursor.Object(metadataNode, ValidatingJsonReader.Member(path, "metadata")) : null;

        if (cursor.Faults.Count > faultsBefore || template is null) return null;
        return new PromptVersionContent
        {
            Template = template,
            TemplateFormat = format,
            Model = model,
            InvocationParameters = parameters ?? [],
            Tools = tools,
            ResponseFormat = responseFormat,
            Description = description,
            Metadata = (JsonObject?)metadata?.DeepClone(),
        };
    }
}
