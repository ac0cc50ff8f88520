namespace PromptFunctions.Core.Experiments;

/// <summary>Section <c>Experiments</c>.</summary>
public sealed class ExperimentsOptions
{
    public const string Section = "Experiments";

    /// <summary>The model connection used when a request names none.</summary>
    public string? DefaultConnection { get; set; }

    /// <summary>Upper bound of a request's <c>max_concurrency</c>.</summary>
    public int MaxConcurrency { get; set; } = 200;

    public int MaxRepetitions { get; set; } = 20;

    /// <summary>Price per million tokens by model name, for the cost column.</summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class ModelPrice
{
    public double InputPerMillionTokens { get; set; }
    public double OutputPerMillionTokens { get; set; }

    public double Cost(long inputTokens, long outputTokens) => (inputTokens * InputPerMillionTokens + outputTokens * OutputPerMillionTokens) / 1_000_000d;
}
