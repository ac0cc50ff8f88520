using PromptFunctions.Evaluation.Statistics;

namespace PromptFunctions.Evaluation.Tests.Statistics;

/// <summary>Builds experiment rows the way the engine will: one outcome per evaluator per row.</summary>
internal static class Rows
{
    public static EvaluatorOutcome PassFail(string name, bool passed) =>
        new(name, "exact_match", passed ? 1 : 0, passed, passed ? "match" : "no match");

    public static EvaluatorOutcome Score(string name, double score, bool? passed = null) =>
        new(name, "levenshtein", score, passed, $"similarity {score}");

    public static ExperimentRow Row(string example, params EvaluatorOutcome[] outcomes) => new(example, 0, outcomes);

    public static ExperimentRow Row(string example, int repetition, params EvaluatorOutcome[] outcomes) => new(example, repetition, outcomes);

    /// <summary>Pass/fail rows for one evaluator from a string such as "1101", one example per character.</summary>
    public static List<ExperimentRow> FromBits(string bits, string name = "acc") =>
        [.. bits.Select((bit, i) => Row($"ex{i:D4}", PassFail(name, bit == '1')))];

    public static ComparisonOptions Options(int seed = 7) => new() { Seed = seed };
}
