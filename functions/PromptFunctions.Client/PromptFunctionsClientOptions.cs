using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Client;

/// <summary>Settings of <see cref="PromptFunctionsClient"/>; validated when the host starts.</summary>
public sealed class PromptFunctionsClientOptions
{
    /// <summary>The configuration section <c>AddPromptFunctionsClient(configuration)</c> is usually given.</summary>
    public const string DefaultSection = "PromptFunctions";

    /// <summary>The service root, e.g. <c>https://contoso-prompts.azurewebsites.net</c>; routes go below <c>/api</c>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>An API key with the <c>read</c> role, sent as <c>Authorization: Bearer</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How long a tag, latest or <c>v{n}</c> answer is served without asking the service. After that it is still
    /// served at once, and revalidated in the background with <c>If-None-Match</c>. Versions by id never expire.
    /// </summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many versions by id, and separately how many tag/latest answers, the cache keeps at most.</summary>
    public int CacheSize { get; set; } = 1000;

    /// <summary>
    /// Per prompt name, a version document (the JSON the API accepts as <c>version</c> when creating one) served
    /// when the service cannot be reached and nothing is cached yet. JSON text, so that it can come from
    /// configuration; <see cref="AddFallback(string, JsonNode)"/> fills it from code.
    /// </summary>
    public IDictionary<string, string> Fallbacks { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Timeout of one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one fetch including its retries.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a failed attempt (transport errors, 408, 429, 5xx); 0 turns retries off.</summary>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>Base delay of the exponential, jittered retry backoff.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Sets the fallback of a prompt from a version document such as <c>{"template": [...]}</c>.</summary>
    public PromptFunctionsClientOptions AddFallback(string name, JsonNode version)
    {
        ArgumentNullException.ThrowIfNull(version);
        Fallbacks[name] = version.ToJsonString();
        return this;
    }

    /// <summary>Sets the fallback of a prompt from version content built in code.</summary>
    public PromptFunctionsClientOptions AddFallback(string name, PromptVersionContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return AddFallback(name, PromptVersionJson.ToJson(content));
    }

    /// <summary>Parses every fallback; throws <see cref="PromptValidationException"/> or <see cref="JsonException"/> when one is invalid.</summary>
    internal Dictionary<string, PromptVersion> ParseFallbacks()
    {
        var result = new Dictionary<string, PromptVersion>(StringComparer.Ordinal);
        foreach (var (name, json) in Fallbacks)
            result[name] = PromptVersion.Fallback(name, PromptVersionJson.Parse(JsonNode.Parse(json, documentOptions: PromptVersionJson.DocumentOptions)));
        return result;
    }
}

/// <summary>Checks <see cref="PromptFunctionsClientOptions"/>, naming every bad setting at once.</summary>
public sealed class PromptFunctionsClientOptionsValidator : IValidateOptions<PromptFunctionsClientOptions>
{
    private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(1);
    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PromptFunctionsClientOptions options)
    {
        var failures = new List<string>();
        void Check(bool ok, string setting, string rule)
        {
            if (!ok) failures.Add($"{nameof(PromptFunctionsClientOptions)}.{setting} {rule}.");
        }

        Check(options.BaseUrl is { IsAbsoluteUri: true } url && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp) && url.Query.Length == 0 && url.Fragment.Length == 0,
            nameof(options.BaseUrl), $"must be an absolute http or https URL without query or fragment, e.g. https://contoso-prompts.azurewebsites.net; got '{options.BaseUrl}'");
        Check(!string.IsNullOrWhiteSpace(options.ApiKey), nameof(options.ApiKey), "is required: a key with the 'read' role");
        Check(options.CacheTtl > TimeSpan.Zero && options.CacheTtl <= MaxTtl, nameof(options.CacheTtl), $"must be more than 0 and at most {MaxTtl}; got {options.CacheTtl}");
        Check(options.CacheSize is >= 1 and <= 1_000_000, nameof(options.CacheSize), $"must be from 1 to 1000000; got {options.CacheSize}");
        Check(options.AttemptTimeout >= MinTimeout && options.AttemptTimeout <= MaxTimeout, nameof(options.AttemptTimeout), $"must be from {MinTimeout} to {MaxTimeout}; got {options.AttemptTimeout}");
        Check(options.TotalTimeout >= options.AttemptTimeout && options.TotalTimeout <= MaxTimeout, nameof(options.TotalTimeout), $"must be at least AttemptTimeout ({options.AttemptTimeout}) and at most {MaxTimeout}; got {options.TotalTimeout}");
        Check(options.MaxRetryAttempts is >= 0 and <= 10, nameof(options.MaxRetryAttempts), $"must be from 0 to 10; got {options.MaxRetryAttempts}");
        Check(options.RetryDelay >= TimeSpan.Zero && options.RetryDelay <= TimeSpan.FromMinutes(1), nameof(options.RetryDelay), $"must be from 0 to 1 minute; got {options.RetryDelay}");

        if (options.Fallbacks is null)
        {
            failures.Add($"{nameof(PromptFunctionsClientOptions)}.{nameof(options.Fallbacks)} must not be null.");
        }
        else
        {
            foreach (var (prompt, json) in options.Fallbacks)
            {
                var setting = $"{nameof(options.Fallbacks)}[{prompt}]";
                if (!Identifiers.IsPromptName(prompt)) Check(false, setting, $"names no valid prompt: {Identifiers.PromptNameRule}");
                try
                {
                    PromptVersionJson.Parse(JsonNode.Parse(json ?? "", documentOptions: PromptVersionJson.DocumentOptions));
                }
                catch (JsonException e)
                {
                    Check(false, setting, $"is not JSON: {e.Message}");
                }
                catch (PromptValidationException e)
                {
                    Check(false, setting, "is not a valid version document: " + string.Join("; ", e.Faults.Select(f => $"{f.Path}: {f.Message}")));
                }
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
