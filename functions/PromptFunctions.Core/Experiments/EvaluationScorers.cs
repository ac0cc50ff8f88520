using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PromptFunctions.Evaluation;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Experiments;

/// <summary>
/// Experiment evaluators from the evaluation library. LLM judges may each name a model connection; the engine
/// hands them its chat client for that connection, response cache included, so judge calls replay like model calls.
/// </summary>
public sealed class EvaluationScorers : IExperimentScorers
{
    /// <summary>Key under which the engine passes the run's own connection for judges that name none.</summary>
    public const string RunConnection = "";

    public void Validate(JsonNode? specs, string path, ValidatingJsonReader cursor, Func<string, bool> connectionExists)
    {
        var parsed = EvaluatorSpecParser.Read(specs, path, cursor);
        if (parsed is null) return;
        for (var i = 0; i < parsed.Count; i++)
        {
            if (parsed[i] is LlmJudgeSpec { Connection: { } connection } && !connectionExists(connection))
                cursor.Fault(ValidatingJsonReader.Member(ValidatingJsonReader.Index(path, i), "connection"), $"no model connection named '{connection}'");
        }
    }

    public IExperimentScorer Create(JsonArray specs, Func<string, IChatClient> judgeClient)
    {
        var parsed = EvaluatorSpecParser.Parse(specs);
        // One set per judge connection, because a set takes one judge client; outcomes are put back in spec order.
        var groups = parsed
            .Select((spec, index) => (Spec: spec, Index: index))
            .GroupBy(s => s.Spec is LlmJudgeSpec judge ? judge.Connection ?? RunConnection : null)
            .Select(g => (Indexes: g.Select(s => s.Index).ToList(),
                Set: EvaluatorSet.Create(g.Select(s => s.Spec), g.Key is null ? null : judgeClient(g.Key))))
            .ToList();
        return new Scorer(groups, parsed.Select(s => s.Name).ToList());
    }

    private sealed class Scorer(List<(List<int> Indexes, EvaluatorSet Set)> groups, List<string> names) : IExperimentScorer
    {
        public async Task<IReadOnlyList<EvaluatorScore>> ScoreAsync(string output, ExperimentExample example, CancellationToken cancellationToken)
        {
            var results = await Task.WhenAll(groups.Select(g => g.Set.EvaluateAsync(output, example.Input, example.Expected, cancellationToken)));
            var byName = results.SelectMany(r => r).ToLookup(o => o.Name, StringComparer.Ordinal);
            var scores = new List<EvaluatorScore>();
            // Evaluators may report more than one metric; the named ones come first in spec order, extras after.
            foreach (var name in names)
            {
                foreach (var outcome in byName[name]) scores.Add(Map(outcome));
            }
            foreach (var outcome in results.SelectMany(r => r).Where(o => !names.Contains(o.Name, StringComparer.Ordinal))) scores.Add(Map(outcome));
            return scores;
        }

        private static EvaluatorScore Map(EvaluatorOutcome o) => new(o.Name, o.Type, o.Score, o.Passed, o.Label is null ? o.Explanation : $"{o.Label}: {o.Explanation}", o.Error);
    }
}
