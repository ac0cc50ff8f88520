using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PromptFunctions.Prompts;

namespace PromptFunctions.Core.Optimization;

/// <summary>Section <c>Optimization</c>: where runs are kept, the request's defaults and bounds, and the loop's constants.</summary>
public sealed class OptimizationOptions
{
    public const string Section = "Optimization";

    /// <summary>Runs, their evaluation rows and the index of active runs.</summary>
    public string Table { get; set; } = "optimizations";

    /// <summary>Each run's request, candidate contents, optimizer proposals and round records.</summary>
    public string ContentContainer { get; set; } = "optimization-content";

    /// <summary>
    /// The hub prompt whose latest version is the optimizer's instructions; created at first use and versioned like
    /// any prompt. (Prompt names allow only <c>[a-z0-9_-]</c>, so not <c>optimizer/meta-prompt</c>.)
    /// </summary>
    public string MetaPrompt { get; set; } = "optimizer-meta-prompt";

    /// <summary>Used when a request gives no <c>target_tag</c>.</summary>
    public string DefaultTargetTag { get; set; } = "candidate";

    /// <summary>The most examples a run takes from its dataset (train and validation together), and from its guard set.</summary>
    public int MaxExamples { get; set; } = 2000;

    public int DefaultMaxRounds { get; set; } = 5;
    public int MaxRounds { get; set; } = 50;

    public long DefaultMaxModelCalls { get; set; } = 1000;
    public long MaxModelCalls { get; set; } = 1_000_000;

    public int DefaultCandidatesPerRound { get; set; } = 3;
    public int MaxCandidatesPerRound { get; set; } = 10;

    /// <summary>Failed training examples shown to the optimizer per round (a different seeded sample each round).</summary>
    public int FailuresPerRound { get; set; } = 8;

    /// <summary>Largest screening minibatch: the failures shown to the optimizer plus a seeded sample of passing training examples.</summary>
    public int MinibatchSize { get; set; } = 16;

    /// <summary>Rows of one evaluation step in flight at once.</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Bootstrap resamples of each paired comparison (docs/comparison.md).</summary>
    public int Resamples { get; set; } = 2000;

    /// <summary>Two-sided confidence level of each comparison; its test level is 1 minus this.</summary>
    public double ConfidenceLevel { get; set; } = 0.95;

    /// <summary>How much of a model output is kept per row and shown to the optimizer.</summary>
    public int MaxOutputChars { get; set; } = 4000;
}

/// <summary>Section <c>Hooks:Optimize</c>: the Standard Webhooks secrets that may sign <c>POST /api/hooks/optimize</c>.</summary>
public sealed class OptimizeHookOptions
{
    public const string Section = "Hooks:Optimize";

    /// <summary>Each <c>whsec_</c> followed by the base64 of 24 to 64 random bytes; any of them verifies, so keys rotate by overlap.</summary>
    public List<string> Secrets { get; set; } = [];

    /// <summary>How far <c>webhook-timestamp</c> may be from now, either way, before a delivery is refused as stale.</summary>
    public int ToleranceSeconds { get; set; } = 300;
}

public sealed partial class OptimizationOptionsValidator : IValidateOptions<OptimizationOptions>
{
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex TableName();

    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerName();

    public ValidateOptionsResult Validate(string? name, OptimizationOptions o)
    {
        var failures = new List<string>();
        void Range(string setting, double value, double min, double max)
        {
            if (!(value >= min && value <= max)) failures.Add($"Optimization:{setting} must be between {min} and {max}; got {value}");
        }
        if (!TableName().IsMatch(o.Table)) failures.Add($"Optimization:Table '{o.Table}' is not a table name (3-63 letters and digits, starting with a letter)");
        if (!ContainerName().IsMatch(o.ContentContainer)) failures.Add($"Optimization:ContentContainer '{o.ContentContainer}' is not a blob container name");
        if (!Identifiers.IsPromptName(o.MetaPrompt)) failures.Add($"Optimization:MetaPrompt '{o.MetaPrompt}': {Identifiers.PromptNameRule}");
        if (!Identifiers.IsTagName(o.DefaultTargetTag)) failures.Add($"Optimization:DefaultTargetTag '{o.DefaultTargetTag}': {Identifiers.TagNameRule}");
        Range(nameof(o.MaxExamples), o.MaxExamples, 3, 1_000_000);
        Range(nameof(o.MaxRounds), o.MaxRounds, 1, 1000);
        Range(nameof(o.DefaultMaxRounds), o.DefaultMaxRounds, 1, o.MaxRounds);
        Range(nameof(o.MaxModelCalls), o.MaxModelCalls, 1, 1_000_000_000);
        Range(nameof(o.DefaultMaxModelCalls), o.DefaultMaxModelCalls, 1, o.MaxModelCalls);
        Range(nameof(o.MaxCandidatesPerRound), o.MaxCandidatesPerRound, 1, 50);
        Range(nameof(o.DefaultCandidatesPerRound), o.DefaultCandidatesPerRound, 1, o.MaxCandidatesPerRound);
        Range(nameof(o.FailuresPerRound), o.FailuresPerRound, 1, 200);
        Range(nameof(o.MinibatchSize), o.MinibatchSize, 1, 10_000);
        Range(nameof(o.MaxConcurrency), o.MaxConcurrency, 1, 1000);
        Range(nameof(o.Resamples), o.Resamples, Evaluation.Statistics.ComparisonOptions.MinResamples, Evaluation.Statistics.ComparisonOptions.MaxResamples);
        Range(nameof(o.ConfidenceLevel), o.ConfidenceLevel, 0.5, 0.999);
        Range(nameof(o.MaxOutputChars), o.MaxOutputChars, 100, 30_000);
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}

public sealed class OptimizeHookOptionsValidator : IValidateOptions<OptimizeHookOptions>
{
    public ValidateOptionsResult Validate(string? name, OptimizeHookOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Secrets.Count; i++)
        {
            // The value itself never goes into the message: it is a secret.
            if (StandardWebhookVerifier.DecodeSecret(options.Secrets[i]) is { Error: { } error })
                failures.Add($"{OptimizeHookOptions.Section}:Secrets:{i} {error}");
        }
        if (options.ToleranceSeconds is < 1 or > 86_400)
            failures.Add($"{OptimizeHookOptions.Section}:ToleranceSeconds must be between 1 and 86400; got {options.ToleranceSeconds}");
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
