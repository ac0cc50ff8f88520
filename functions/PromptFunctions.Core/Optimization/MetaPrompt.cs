using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Optimization;

/// <summary>
/// The optimizer's instructions are a prompt in the hub (<c>Optimization:MetaPrompt</c>, <c>optimizer-meta-prompt</c>
/// by default), so they are edited, versioned, diffed and rolled back like any prompt. A run uses the latest version
/// when it starts and records which; the first run creates the prompt with <see cref="DefaultContent"/>.
/// </summary>
/// <remarks>
/// Its variables: <c>round</c>, <c>candidates</c> (how many to write), <c>template_shape</c>, <c>variables</c> (the
/// template's variables as written in it), <c>current_template</c> (JSON), <c>failure_count</c>, <c>train_count</c>
/// and <c>examples</c> (the failed examples, one block each). The reply format is not in the text: the run asks for it
/// with a JSON schema response format.
/// </remarks>
public sealed class MetaPrompt(PromptService prompts, PromptCatalog catalog, IOptions<OptimizationOptions> options)
{
    public string Name => options.Value.MetaPrompt;

    /// <summary>The principal the loop writes as; it has no <c>promote</c> role, so no protected tag can ever move through it.</summary>
    public static ApiPrincipal Writer(string optimizationId) => new($"optimization:{optimizationId}", ApiRoles.Write);

    public async Task<VersionRecord> EnsureAsync(string optimizationId, CancellationToken cancellationToken)
    {
        if (await catalog.ResolveLatestAsync(Name, cancellationToken) is { } latest) return latest;
        var outcome = await prompts.PublishAsync(
            new NewVersion(Name, DefaultContent, "created by the optimization loop at first use",
                PromptDescription: "Instructions for the optimizer model of prompt optimization runs (docs/optimization.md)."),
            [], Writer(optimizationId), null, cancellationToken);
        return outcome switch
        {
            PublishOutcome.Published published => published.Version,
            _ => throw new InvalidOperationException($"could not create the meta-prompt '{Name}' ({outcome.GetType().Name}); the step is retried"),
        };
    }

    public async Task<PromptVersionContent> ContentAsync(string versionId, CancellationToken cancellationToken)
    {
        var record = await catalog.ResolveVersionAsync(Name, versionId, cancellationToken)
            ?? throw new InvalidOperationException($"meta-prompt '{Name}' version {versionId} no longer exists");
        return (await catalog.GetDocumentAsync(record, cancellationToken))?.Content
            ?? throw new InvalidOperationException($"content of meta-prompt '{Name}' version {versionId} is missing");
    }

    public const string SystemText =
        """
        You improve prompt templates. A template is filled in with an example's variables and sent to a language model; evaluators then judge the model's answer. You are shown the current template, training examples whose answers failed (with the input, the expected answer, the model's answer and the evaluators' explanations), and notes people wrote about some of them.

        Write {{candidates}} different rewrites of the template that would make the model answer these examples, and others like them, correctly. Each rewrite must:
        - have the same form as the current template ({{template_shape}});
        - use exactly the same template variables, written the same way: {{variables}};
        - change only the wording of the instructions: state general rules that explain the failures instead of answers to individual examples, because the rewrite is judged on examples you have not seen.

        For each rewrite give a short rationale: which failures it addresses and why it should fix them.
        """;

    public const string UserText =
        """
        Round {{round}}.

        Current template (JSON):
        {{current_template}}

        {{failure_count}} of {{train_count}} training examples failed. Examples to learn from:

        {{examples}}
        """;

    public static PromptVersionContent DefaultContent { get; } = PromptVersionJson.Parse(new JsonObject
    {
        ["template"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = SystemText },
            new JsonObject { ["role"] = "user", ["content"] = UserText }),
        ["description"] = "The optimizer's instructions; the reply format is requested separately with a JSON schema.",
    });
}
