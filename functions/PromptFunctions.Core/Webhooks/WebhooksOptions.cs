using System.Globalization;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Webhooks;

/// <summary>Section <c>Webhooks</c>: where subscriptions live, which receivers are allowed, and how deliveries are retried.</summary>
public sealed class WebhooksOptions
{
    public const string Section = "Webhooks";

    /// <summary>Subscriptions, the event outbox, deliveries and their attempts.</summary>
    public string Table { get; set; } = "webhooks";

    /// <summary>
    /// When set, a subscription URL's host must match one entry: a host name (<c>hooks.example.com</c>), a
    /// wildcard for its subdomains (<c>*.example.com</c>), or, for URLs that name an address, an IP address or
    /// CIDR range. Address entries are also the only way to let deliveries reach private, loopback or link-local
    /// addresses (and metadata addresses only when listed one by one).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    public int MaxSubscriptions { get; set; } = 100;

    public int MaxUrlLength { get; set; } = 2048;

    public int MaxDescriptionLength { get; set; } = 500;

    /// <summary>Attempts of one delivery (the first included) before it is given up as failed.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The wait before the second attempt; each later wait is <see cref="BackoffMultiplier"/> times longer, up to <see cref="MaxRetryDelaySeconds"/>.</summary>
    public double FirstRetryDelaySeconds { get; set; } = 10;

    public double BackoffMultiplier { get; set; } = 3;

    public double MaxRetryDelaySeconds { get; set; } = 6 * 3600;

    /// <summary>Each wait is spread uniformly over ± this fraction, so receivers that came back are not hit by every retry at once.</summary>
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>How long one attempt may take, connection included.</summary>
    public double AttemptTimeoutSeconds { get; set; } = 15;

    /// <summary>How much of a receiver's response body an attempt records.</summary>
    public int ResponseExcerptBytes { get; set; } = 1024;

    /// <summary>Largest event body (the JSON posted); larger events are refused when published, and logged.</summary>
    public int MaxEventBytes { get; set; } = 60_000;

    /// <summary>How long the secret before a rotation keeps signing alongside the new one.</summary>
    public double SecretRotationOverlapHours { get; set; } = 24;

    /// <summary>How often the local host's dispatcher looks for outbox events it was not told about (it is told about each one it publishes).</summary>
    public double DispatchIntervalSeconds { get; set; } = 5;

    /// <summary>How often pending deliveries are checked for a delivery process that no longer runs (after a restart of the local host's in-memory engine); also done at start.</summary>
    public double PendingSweepIntervalSeconds { get; set; } = 300;

    /// <summary>How long finished deliveries (with their attempts) and events are kept; the pending sweep removes older ones.</summary>
    public double RetentionDays { get; set; } = 30;

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1, before jitter.</summary>
    public TimeSpan RetryDelay(int attempt)
    {
        var seconds = FirstRetryDelaySeconds * Math.Pow(BackoffMultiplier, Math.Max(0, attempt - 1));
        return TimeSpan.FromSeconds(Math.Min(MaxRetryDelaySeconds, seconds));
    }
}

/// <summary>Checks <see cref="WebhooksOptions"/> at start, including that every allowed host entry parses.</summary>
public sealed class WebhooksOptionsValidator : IValidateOptions<WebhooksOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhooksOptions options)
    {
        var failures = new List<string>();
        if (!System.Text.RegularExpressions.Regex.IsMatch(options.Table ?? "", "^[A-Za-z][A-Za-z0-9]{2,62}$"))
            failures.Add($"Webhooks:Table must be a table name (a letter, then 2 to 62 letters or digits); got '{options.Table}'");
        for (var i = 0; i < options.AllowedHosts.Count; i++)
        {
            if (AllowedHostEntry.TryParse(options.AllowedHosts[i], out _, out var error)) continue;
            failures.Add($"Webhooks:AllowedHosts:{i} '{options.AllowedHosts[i]}': {error}");
        }
        Range(failures, "MaxSubscriptions", options.MaxSubscriptions, 1, 100_000);
        Range(failures, "MaxUrlLength", options.MaxUrlLength, 32, 8192);
        Range(failures, "MaxDescriptionLength", options.MaxDescriptionLength, 0, 10_000);
        Range(failures, "MaxAttempts", options.MaxAttempts, 1, 100);
        Range(failures, "FirstRetryDelaySeconds", options.FirstRetryDelaySeconds, 0.01, 86_400);
        Range(failures, "BackoffMultiplier", options.BackoffMultiplier, 1, 100);
        Range(failures, "MaxRetryDelaySeconds", options.MaxRetryDelaySeconds, 0.01, 7 * 86_400);
        if (options.MaxRetryDelaySeconds < options.FirstRetryDelaySeconds)
            failures.Add("Webhooks:MaxRetryDelaySeconds must not be less than Webhooks:FirstRetryDelaySeconds");
        Range(failures, "RetryJitter", options.RetryJitter, 0, 0.9);
        Range(failures, "AttemptTimeoutSeconds", options.AttemptTimeoutSeconds, 0.1, 300);
        Range(failures, "ResponseExcerptBytes", options.ResponseExcerptBytes, 0, 16_384);
        Range(failures, "MaxEventBytes", options.MaxEventBytes, 1024, 60_000);
        Range(failures, "SecretRotationOverlapHours", options.SecretRotationOverlapHours, 0, 24 * 30);
        Range(failures, "DispatchIntervalSeconds", options.DispatchIntervalSeconds, 0.05, 3600);
        Range(failures, "PendingSweepIntervalSeconds", options.PendingSweepIntervalSeconds, 0.1, 86_400);
        Range(failures, "RetentionDays", options.RetentionDays, 0.00001, 3650);
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }

    private static void Range(List<string> failures, string setting, double value, double min, double max)
    {
        if (!double.IsFinite(value) || value < min || value > max)
            failures.Add($"Webhooks:{setting} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}; got {value.ToString(CultureInfo.InvariantCulture)}");
    }
}
