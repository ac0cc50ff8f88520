namespace PromptFunctions.Evaluation.Statistics;

/// <summary>Identifies a row within an experiment: rows of two experiments pair up by this key.</summary>
public readonly record struct RowKey(string ExampleId, int Repetition) : IComparable<RowKey>
{
    public int CompareTo(RowKey other)
    {
        var byExample = string.CompareOrdinal(ExampleId, other.ExampleId);
        return byExample != 0 ? byExample : Repetition.CompareTo(other.Repetition);
    }
}

/// <summary>
/// One run of one example in an experiment, as the engine records it.
/// </summary>
/// <param name="Evaluations">The outcomes of <see cref="EvaluatorSet"/> for this row; empty when the run failed.</param>
public sealed record ExperimentRow(string ExampleId, int Repetition, IReadOnlyList<EvaluatorOutcome> Evaluations)
{
    public RowKey Key => new(ExampleId, Repetition);

    /// <summary>Wall time of the model call, in milliseconds.</summary>
    public double? LatencyMs { get; init; }

    public long? InputTokens { get; init; }

    public long? OutputTokens { get; init; }

    /// <summary>Cost of the model call in the engine's currency.</summary>
    public decimal? Cost { get; init; }

    /// <summary>Set when the run itself failed (no output to evaluate).</summary>
    public string? Error { get; init; }
}
