using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Models;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Prompts.Chat;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;

namespace PromptFunctions.Core.Optimization;

/// <summary>
/// One round's request to the optimizer: show it a seeded sample of the current version's failed training examples
/// (with expected outputs, evaluator explanations and notes), ask for candidates with a JSON schema response format,
/// check each candidate, and keep the valid ones' contents. The proposal is stored once per round, so a repeated
/// step returns the same candidates (and counts the optimizer call once) instead of asking again.
/// </summary>
public sealed class OptimizationProposer(
    OptimizationStore store,
    OptimizationEvaluator evaluator,
    MetaPrompt metaPrompt,
    ModelConnections connections,
    IOptions<OptimizationOptions> options,
    IOptions<ExperimentsOptions> experiments,
    IOptions<PromptHubOptions> hub)
{
    public async Task<Proposal> ProposeAsync(ProposalInput input, CancellationToken cancellationToken)
    {
        if (await store.ReadProposalAsync<Proposal>(input.OptimizationId, input.Round, cancellationToken) is { } stored) return stored.WithoutTemplates();
        var record = await store.GetAsync(input.OptimizationId, cancellationToken);
        if (record is null || record.Status is not (OptimizationStatus.Queued or OptimizationStatus.Running)) return Proposal.CancelledProposal;
        var spec = await store.GetSpecAsync(input.OptimizationId, cancellationToken);
        var o = options.Value;

        var current = PromptVersionJson.Parse(JsonNode.Parse(await store.ReadContentAsync(input.OptimizationId, input.Current, cancellationToken)));
        var (_, train) = await evaluator.ExamplesAsync(spec, EvaluationSet.Train, null, cancellationToken);
        var rows = await store.ReadRowsAsync(input.OptimizationId, input.Current, 'd', cancellationToken);
        var evaluated = train.Where(e => rows.ContainsKey(e.Index)).ToList();
        // An example to learn from: one the evaluators failed, or one a person left a note on.
        bool ToLearnFrom(ExperimentExample e) => !OptimizationEvaluator.Passed(rows[e.Index]) || spec.Feedback.ContainsKey(e.Id);
        var failures = evaluated.Where(e => !OptimizationEvaluator.Passed(rows[e.Index])).ToList();
        var shown = OptimizationExamples.SeededOrder(evaluated.Where(ToLearnFrom), e => e.Id, spec.Seed, input.Round).Take(o.FailuresPerRound).ToList();
        var passes = OptimizationExamples.SeededOrder(evaluated.Where(e => !ToLearnFrom(e)), e => e.Id, spec.Seed, input.Round)
            .Take(Math.Max(0, o.MinibatchSize - shown.Count)).ToList();
        var minibatch = shown.Concat(passes).Select(e => e.Index).Order().ToList();

        var metaVersion = record.MetaPromptVersionId ?? throw new InvalidOperationException($"optimization {input.OptimizationId} has no meta-prompt version");
        var meta = await metaPrompt.ContentAsync(metaVersion, cancellationToken);
        var variables = new JsonObject
        {
            ["round"] = input.Round,
            ["candidates"] = spec.CandidatesPerRound,
            ["template_shape"] = current.Template is StringTemplate ? "a single text" : "a list of chat messages, each {\"role\", \"content\"}",
            ["variables"] = CandidateValidation.VariablesText(current),
            ["current_template"] = CandidateValidation.TemplateJson(current).ToJsonString(),
            ["failure_count"] = failures.Count,
            ["train_count"] = train.Count,
            ["examples"] = ExamplesText(shown, rows, spec.Feedback),
        };

        var spend = ModelSpend.Begin();
        IReadOnlyList<CandidateCheck>? checks = null;
        string? error;
        try
        {
            var reply = await AskAsync(spec, record, meta, current, variables, cancellationToken);
            checks = CandidateValidation.Read(reply, current, spec.CandidatesPerRound, out error);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            error = $"the optimizer call failed: {OptimizationEvaluator.Cut(e.Message, 500)}";
        }

        foreach (var check in checks ?? [])
        {
            if (check is { Content: { } content, ContentId: { } id })
                await store.SaveContentAsync(input.OptimizationId, id, PromptVersionJson.ToCanonicalBytes(content), cancellationToken);
        }
        var proposal = new Proposal(
            (checks ?? []).Select(c => new ProposedCandidate(c.Index, c.ContentId, c.Rationale, c.Rejected, Truncated(c.Template))).ToList(),
            minibatch, shown.Select(e => e.Id).ToList(), metaVersion, error, spend.Calls, spend.Cost, false);
        return (await store.SaveProposalOnceAsync(input.OptimizationId, input.Round, proposal, cancellationToken)).WithoutTemplates();
    }

    private async Task<string> AskAsync(OptimizationSpec spec, OptimizationRecord record, PromptVersionContent meta, PromptVersionContent current, JsonObject variables,
        CancellationToken cancellationToken)
    {
        var (schema, strict) = CandidateValidation.ReplySchema(current);
        var model = record.OptimizerModel ?? connections.Settings(spec.OptimizerConnection).Model;
        var request = meta with
        {
            Model = new ModelReference(meta.Model?.Provider ?? "openai", model),
            ResponseFormat = new ResponseFormat("json_schema", "optimizer_candidates", "Rewritten templates, each with its rationale.", schema, strict),
        };
        var rendered = PromptRenderer.Render(request, variables, hub.Value.RenderLimits);
        var client = new ModelCallMeter(connections.GetChatClient(spec.OptimizerConnection), model, experiments.Value.Prices);
        var response = await client.GetResponseAsync(PromptChat.ToChatMessages(request, rendered, variables), PromptChat.ToChatOptions(request), cancellationToken);
        return response.Text;
    }

    private string ExamplesText(IReadOnlyList<ExperimentExample> shown, Dictionary<long, EvaluationRow> rows, IReadOnlyDictionary<string, string> feedback)
    {
        var text = new StringBuilder();
        foreach (var example in shown)
        {
            var row = rows[example.Index];
            text.Append(CultureInfo.InvariantCulture, $"### Example {example.Id}\n");
            text.Append(CultureInfo.InvariantCulture, $"Input: {example.Input.ToJsonString()}\n");
            text.Append(CultureInfo.InvariantCulture, $"Expected: {(example.Expected is null ? "(none given)" : example.Expected.ToJsonString())}\n");
            text.Append(CultureInfo.InvariantCulture, $"Model answer: {(row.Error is not null ? $"(no answer: {row.Error})" : row.Output)}\n");
            var explanations = OptimizationEvaluator.Scores(row)
                .Select(s => $"{s.Name}: {(s.Error is not null ? "error: " + s.Error : (s.Passed is { } p ? (p ? "passed" : "failed") : $"score {s.Score}") + (s.Explanation is null ? "" : $" ({s.Explanation})"))}")
                .ToList();
            if (explanations.Count > 0) text.Append(CultureInfo.InvariantCulture, $"Evaluator feedback: {string.Join("; ", explanations)}\n");
            if (feedback.TryGetValue(example.Id, out var note)) text.Append(CultureInfo.InvariantCulture, $"Reviewer note: {note}\n");
            text.Append('\n');
        }
        return OptimizationEvaluator.Cut(text.ToString().TrimEnd(), options.Value.FailuresPerRound * (options.Value.MaxOutputChars + 2000))!;
    }

    /// <summary>What the round record shows of a template: rejected ones can be anything the optimizer wrote, so long ones are cut.</summary>
    private static JsonNode? Truncated(JsonNode? template)
    {
        if (template is null) return null;
        var json = template.ToJsonString();
        return json.Length <= 20_000 ? template : JsonValue.Create(json[..20_000] + "…");
    }
}
