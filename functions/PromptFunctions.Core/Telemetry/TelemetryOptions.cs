using System.Globalization;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Telemetry;

/// <summary>Trace sampling, section <c>Telemetry</c>. Where telemetry goes is set by <see cref="TelemetrySettings"/>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// Share of traces started here that are recorded, for everything but reads: writes, experiments, the
    /// playground, and work that no request started. A request that carries a <c>traceparent</c> follows its
    /// caller's decision instead.
    /// </summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>
    /// The same for GET and HEAD requests without a <c>traceparent</c>: prompt fetches are most of the traffic and
    /// each looks like the last, and the fetch metrics count every one of them whatever is sampled.
    /// </summary>
    public double ReadTraceSampleRatio { get; set; } = 0.01;
}

/// <summary>
/// The settings that switch exporters on. They are the names the OpenTelemetry SDK, Azure Monitor and the
/// Functions host use themselves, read at the top level of configuration (environment variables or app settings).
/// </summary>
public static class TelemetrySettings
{
    /// <summary>OTLP exporter for traces, metrics and logs when set (with the SDK's other <c>OTEL_EXPORTER_OTLP_*</c> settings).</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Azure Monitor exporter for traces, metrics and logs when set.</summary>
    public const string ApplicationInsightsConnectionString = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary><c>Authorization=AAD;ClientId=&lt;client id&gt;</c>: Entra ID authentication with that user-assigned identity (the system-assigned one without <c>ClientId</c>).</summary>
    public const string ApplicationInsightsAuthentication = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static readonly IReadOnlyList<string> All = [OtlpEndpoint, ApplicationInsightsConnectionString, ApplicationInsightsAuthentication];

    public static string? OtlpEndpointOf(IConfiguration configuration) => NonEmpty(configuration[OtlpEndpoint]);

    public static string? ApplicationInsightsOf(IConfiguration configuration) => NonEmpty(configuration[ApplicationInsightsConnectionString]);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>The parsed <see cref="TelemetrySettings.ApplicationInsightsAuthentication"/> setting.</summary>
/// <param name="ClientId">The user-assigned identity's client id; null for the system-assigned identity.</param>
public sealed record ApplicationInsightsAuthentication(string? ClientId)
{
    public TokenCredential Credential() => new ManagedIdentityCredential(
        ClientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(ClientId));

    /// <summary>Null with no error when the setting is absent (the connection string's instrumentation key is used then).</summary>
    public static ApplicationInsightsAuthentication? Parse(string? value, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(value)) return null;
        string? authorization = null, clientId = null;
        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('=');
            var key = at < 0 ? part : part[..at].Trim();
            var setting = at < 0 ? "" : part[(at + 1)..].Trim();
            if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)) authorization = setting;
            else if (key.Equals("ClientId", StringComparison.OrdinalIgnoreCase)) clientId = setting;
            else
            {
                error = $"{TelemetrySettings.ApplicationInsightsAuthentication} has an unknown part '{key}'; expected Authorization=AAD and optionally ClientId=<client id>";
                return null;
            }
        }
        if (!"AAD".Equals(authorization, StringComparison.OrdinalIgnoreCase))
        {
            error = $"{TelemetrySettings.ApplicationInsightsAuthentication} must contain Authorization=AAD (Entra ID is the only authentication it configures)";
            return null;
        }
        if (clientId is not null && !Guid.TryParse(clientId, out _))
        {
            error = $"{TelemetrySettings.ApplicationInsightsAuthentication}: ClientId must be a client id (a GUID)";
            return null;
        }
        return new ApplicationInsightsAuthentication(clientId);
    }
}

public sealed class TelemetryOptionsValidator(IConfiguration configuration) : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var failures = new List<string>();
        if (options.TraceSampleRatio is not (>= 0 and <= 1))
            failures.Add($"Telemetry:TraceSampleRatio must be between 0 and 1; got {options.TraceSampleRatio.ToString(CultureInfo.InvariantCulture)}");
        if (options.ReadTraceSampleRatio is not (>= 0 and <= 1))
            failures.Add($"Telemetry:ReadTraceSampleRatio must be between 0 and 1; got {options.ReadTraceSampleRatio.ToString(CultureInfo.InvariantCulture)}");
        if (TelemetrySettings.OtlpEndpointOf(configuration) is { } endpoint && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            failures.Add($"{TelemetrySettings.OtlpEndpoint} must be an absolute http(s) URL; got '{endpoint}'");
        ApplicationInsightsAuthentication.Parse(configuration[TelemetrySettings.ApplicationInsightsAuthentication], out var error);
        if (error is not null) failures.Add(error);
        // A connection string is not echoed: it is not a secret with Entra ID authentication, but it is without.
        if (TelemetrySettings.ApplicationInsightsOf(configuration) is { } connection && !connection.Contains("InstrumentationKey=", StringComparison.OrdinalIgnoreCase))
            failures.Add($"{TelemetrySettings.ApplicationInsightsConnectionString} must be an Application Insights connection string (with InstrumentationKey=...)");
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
