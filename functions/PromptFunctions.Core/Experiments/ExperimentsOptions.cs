using Microsoft.Extensions.Options;

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

    /// <summary>
    /// Whether the local host warms the experiment path before it takes requests (1.5-3 s longer to start, a faster
    /// first experiment). Test hosts, started by the hundred in a warm process, turn it off.
    /// </summary>
    public bool WarmUpAtStart { get; set; } = true;

    /// <summary>Price per million tokens by model name, for the cost column.</summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class ModelPrice
{
    public double InputPerMillionTokens { get; set; }
    public double OutputPerMillionTokens { get; set; }

    public double Cost(long inputTokens, long outputTokens) => (inputTokens * InputPerMillionTokens + outputTokens * OutputPerMillionTokens) / 1_000_000d;
}

/// <summary>Checks <see cref="ExperimentsOptions"/> at start, including that the default connection is configured.</summary>
public sealed class ExperimentsOptionsValidator(IOptions<Models.ModelsOptions> models) : IValidateOptions<ExperimentsOptions>
{
    public ValidateOptionsResult Validate(string? name, ExperimentsOptions options)
    {
        var failures = new List<string>();
        if (options.MaxConcurrency is < 1 or > 10_000)
            failures.Add($"Experiments:MaxConcurrency must be between 1 and 10000; got {options.MaxConcurrency}");
        if (options.MaxRepetitions is < 1 or > 1000)
            failures.Add($"Experiments:MaxRepetitions must be between 1 and 1000; got {options.MaxRepetitions}");
        if (options.DefaultConnection is { } connection && !models.Value.ContainsKey(connection))
        {
            var known = models.Value.Count == 0 ? "none is configured" : $"configured: {string.Join(", ", models.Value.Keys.Order(StringComparer.Ordinal))}";
            failures.Add($"Experiments:DefaultConnection names '{connection}', which is not a model connection (Models:<name>; {known})");
        }
        foreach (var (model, price) in options.Prices)
        {
            if (!double.IsFinite(price.InputPerMillionTokens) || price.InputPerMillionTokens < 0 || !double.IsFinite(price.OutputPerMillionTokens) || price.OutputPerMillionTokens < 0)
                failures.Add($"Experiments:Prices:{model} must be non-negative numbers");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
