using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Rendering;

/// <summary>A rendered message; placeholder expansions are copied verbatim, never templated.</summary>
public sealed record RenderedMessage(MessageRole Role, MessageContent Content);

/// <summary>Either <see cref="Messages"/> (chat) or <see cref="Text"/> (string template) is set.</summary>
public sealed record RenderedPrompt(IReadOnlyList<RenderedMessage>? Messages, string? Text, IReadOnlyList<string> MissingVariables);

/// <summary>
/// Renders a version's template with variables. The server's render endpoint and the .NET client use this one
/// implementation, so a prompt renders the same bytes wherever it runs.
/// </summary>
public static class PromptRenderer
{
    /// <summary>
    /// Renders every text of the template. Missing variables never throw here; callers in strict mode check
    /// <see cref="RenderedPrompt.MissingVariables"/>. A placeholder is filled from the variable of the same name,
    /// which must be a list of <c>{role, content}</c> messages.
    /// </summary>
    /// <exception cref="PromptValidationException">A placeholder variable is not a list of messages.</exception>
    /// <exception cref="RenderLimitException">The prompt would exceed <paramref name="limits"/> (default <see cref="RenderLimits.Default"/>).</exception>
    public static RenderedPrompt Render(PromptVersionContent content, JsonObject variables, RenderLimits? limits = null)
    {
        var engine = TemplateEngines.For(content.TemplateFormat);
        var budget = new RenderBudget(limits ?? RenderLimits.Default);
        var missing = new List<string>();
        void Note(IEnumerable<string> names)
        {
            foreach (var name in names)
            {
                if (!missing.Contains(name, StringComparer.Ordinal)) missing.Add(name);
            }
        }

        if (content.Template is StringTemplate s)
        {
            var result = engine.Render(s.Template, variables, budget);
            Note(result.MissingVariables);
            return new RenderedPrompt(null, result.Text, missing);
        }

        var chat = (ChatTemplate)content.Template;
        var messages = new List<RenderedMessage>(chat.Messages.Count);
        var faults = new ValidatingJsonReader();
        foreach (var message in chat.Messages)
        {
            switch (message)
            {
                case PlaceholderMessage placeholder:
                    // A placeholder copies its messages in; a template that repeats one is bounded like any text.
                    if (variables[placeholder.Name] is { } history) budget.Output(RenderBudget.SizeOf(history));
                    messages.AddRange(ExpandPlaceholder(placeholder, variables, faults, Note));
                    break;
                case ChatMessageTemplate m when m.Content.Text is { } text:
                {
                    var result = engine.Render(text, variables, budget);
                    Note(result.MissingVariables);
                    messages.Add(new RenderedMessage(m.Role, MessageContent.FromText(result.Text)));
                    break;
                }
                case ChatMessageTemplate m:
                {
                    var parts = new List<ContentPart>(m.Content.Parts!.Count);
                    foreach (var part in m.Content.Parts)
                    {
                        if (part is TextPart textPart)
                        {
                            var result = engine.Render(textPart.Text, variables, budget);
                            Note(result.MissingVariables);
                            parts.Add(new TextPart(result.Text));
                        }
                        else
                        {
                            budget.Output(RenderBudget.SizeOf(PromptVersionJson.ContentToJson(MessageContent.FromParts([part]))));
                            parts.Add(part);
                        }
                    }
                    messages.Add(new RenderedMessage(m.Role, MessageContent.FromParts(parts)));
                    break;
                }
            }
        }
        if (faults.Faults.Count > 0) throw new PromptValidationException(faults.Faults);
        return new RenderedPrompt(messages, null, missing);
    }

    private static IEnumerable<RenderedMessage> ExpandPlaceholder(PlaceholderMessage placeholder, JsonObject variables, ValidatingJsonReader faults, Action<IEnumerable<string>> noteMissing)
    {
        var path = ValidatingJsonReader.Member("$.variables", placeholder.Name);
        if (!variables.TryGetPropertyValue(placeholder.Name, out var value) || value is null)
        {
            noteMissing([placeholder.Name]);
            return [];
        }
        var list = faults.Array(value, path);
        if (list is null) return [];
        var expanded = new List<RenderedMessage>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            // Reuse the version schema for messages so a placeholder accepts exactly what a template message may hold.
            var probe = new JsonObject { ["template"] = new JsonArray(list[i]?.DeepClone()), ["template_format"] = "none" };
            var cursor = new ValidatingJsonReader();
            var content = PromptVersionJson.Read(probe, "$", cursor);
            foreach (var fault in cursor.Faults)
                faults.Fault(ValidatingJsonReader.Index(path, i) + fault.Path.Replace("$.template[0]", "", StringComparison.Ordinal), fault.Message);
            if (content?.Template is ChatTemplate { Messages: [ChatMessageTemplate message] })
                expanded.Add(new RenderedMessage(message.Role, message.Content));
            else if (cursor.Faults.Count == 0)
                faults.Fault(ValidatingJsonReader.Index(path, i), "a placeholder expands to messages with role and content, not to another placeholder");
        }
        return expanded;
    }

    /// <summary>The top-level variable names a version uses, in order of first appearance; placeholders included.</summary>
    public static IReadOnlyList<string> GetVariables(PromptVersionContent content)
    {
        var engine = TemplateEngines.For(content.TemplateFormat);
        var names = new List<string>();
        void Add(string name)
        {
            if (!names.Contains(name, StringComparer.Ordinal)) names.Add(name);
        }

        if (content.Template is ChatTemplate chat)
        {
            foreach (var message in chat.Messages)
            {
                if (message is PlaceholderMessage placeholder)
                {
                    Add(placeholder.Name);
                    continue;
                }
                var m = (ChatMessageTemplate)message;
                var texts = m.Content.Text is { } text ? [text] : m.Content.Parts!.OfType<TextPart>().Select(p => p.Text);
                foreach (var t in texts)
                {
                    foreach (var name in engine.GetVariables(t)) Add(name);
                }
            }
        }
        else if (content.Template is StringTemplate s)
        {
            foreach (var name in engine.GetVariables(s.Template)) Add(name);
        }
        return names;
    }
}
