using System.ClientModel;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OllamaSharp;
using OpenAI;
using PromptFunctions.Core.Telemetry;

namespace PromptFunctions.Core.Models;

/// <summary>One named model connection, section <c>Models:&lt;name&gt;</c>.</summary>
public sealed class ModelConnectionOptions
{
    /// <summary><c>openai</c>, <c>azure-openai</c>, <c>openai-compatible</c> or <c>ollama</c>.</summary>
    public string Provider { get; set; } = "";

    /// <summary>Base URL; required except for <c>openai</c> (which defaults to api.openai.com).</summary>
    public string? Endpoint { get; set; }

    /// <summary>Required for <c>openai</c> and <c>azure-openai</c>; optional for the others.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Default model (for Azure OpenAI, the deployment name).</summary>
    public string Model { get; set; } = "";

    /// <summary>Timeout of one attempt of a call.</summary>
    public double TimeoutSeconds { get; set; } = 120;

    /// <summary>Retries after 429, 5xx, network failures and timeouts, with exponential backoff and jitter.</summary>
    public int MaxRetries { get; set; } = 4;

    public int RetryBaseDelayMilliseconds { get; set; } = 500;
}

/// <summary>All configured connections by name (section <c>Models</c>).</summary>
public sealed class ModelsOptions : Dictionary<string, ModelConnectionOptions>
{
    public const string Section = "Models";

    public ModelsOptions() : base(StringComparer.OrdinalIgnoreCase) { }
}

public static class ModelProviderNames
{
    public const string OpenAI = "openai";
    public const string AzureOpenAI = "azure-openai";
    public const string OpenAICompatible = "openai-compatible";
    public const string Ollama = "ollama";

    public static readonly IReadOnlyList<string> All = [OpenAI, AzureOpenAI, OpenAICompatible, Ollama];
}

public sealed class ModelsOptionsValidator : IValidateOptions<ModelsOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelsOptions options)
    {
        var failures = new List<string>();
        foreach (var (connection, settings) in options)
        {
            var where = $"Models:{connection}";
            if (!ModelProviderNames.All.Contains(settings.Provider, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{where}:Provider must be one of {string.Join(", ", ModelProviderNames.All)}; got '{settings.Provider}'");
                continue;
            }
            var provider = settings.Provider.ToLowerInvariant();
            if (provider != ModelProviderNames.OpenAI && string.IsNullOrWhiteSpace(settings.Endpoint))
                failures.Add($"{where}:Endpoint is required for provider {provider}");
            if (settings.Endpoint is { Length: > 0 } endpoint && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                failures.Add($"{where}:Endpoint must be an absolute http(s) URL; got '{endpoint}'");
            if (provider is ModelProviderNames.OpenAI or ModelProviderNames.AzureOpenAI && string.IsNullOrWhiteSpace(settings.ApiKey))
                failures.Add($"{where}:ApiKey is required for provider {provider}");
            if (string.IsNullOrWhiteSpace(settings.Model))
                failures.Add($"{where}:Model is required (the default model or deployment name)");
            if (settings.TimeoutSeconds is <= 0 or > 3600)
                failures.Add($"{where}:TimeoutSeconds must be between 0 and 3600");
            if (settings.MaxRetries is < 0 or > 20)
                failures.Add($"{where}:MaxRetries must be between 0 and 20");
            if (settings.RetryBaseDelayMilliseconds is < 0 or > 60_000)
                failures.Add($"{where}:RetryBaseDelayMilliseconds must be between 0 and 60000");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}

/// <summary>
/// Builds one <see cref="IChatClient"/> pipeline per configured connection, lazily and once. Requests choose a
/// connection by name only; endpoints and keys never come from a request.
/// </summary>
public sealed class ModelConnections(IOptions<ModelsOptions> options, ILoggerFactory loggerFactory, TimeProvider clock, ModelCallMetrics? callMetrics = null,
    ModelCallsInFlight? inFlight = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IChatClient>> _clients = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Names => options.Value.Keys;

    public bool Exists(string name) => options.Value.ContainsKey(name);

    public ModelConnectionOptions Settings(string name) =>
        options.Value.TryGetValue(name, out var settings) ? settings : throw new KeyNotFoundException($"No model connection named '{name}'.");

    public IChatClient GetChatClient(string name) =>
        _clients.GetOrAdd(name, key => new Lazy<IChatClient>(() => Build(key, Settings(key)))).Value;

    /// <summary>
    /// The connection's whole client stack (provider client, logging, telemetry, the in-flight cap) pointed at
    /// <paramref name="endpoint"/> over <paramref name="transport"/> instead of the model, for the start-up warm-up. It
    /// carries a placeholder key, not the connection's, and no retries; its calls are not counted in the model-call
    /// metrics and its spans go to a source of their own. The caller gives a transport that uses no proxy: a proxy from
    /// the environment would otherwise see loopback requests.
    /// </summary>
    public IChatClient BuildWarmUpClient(string name, Uri endpoint, HttpMessageHandler transport)
    {
        var settings = Settings(name);
        return Build(name, new ModelConnectionOptions
        {
            Provider = settings.Provider,
            Endpoint = endpoint.ToString(),
            ApiKey = "warm-up",
            Model = settings.Model,
            TimeoutSeconds = settings.TimeoutSeconds,
            MaxRetries = 0,
            RetryBaseDelayMilliseconds = settings.RetryBaseDelayMilliseconds,
        }, transport);
    }

    /// <summary>
    /// Telemetry and logging outermost, then the call metrics, then the process-wide bound on calls in flight, then
    /// retries with a per-attempt timeout, then the provider.
    /// </summary>
    private IChatClient Build(string name, ModelConnectionOptions settings, HttpMessageHandler? warmUpTransport = null)
    {
        var warmUp = warmUpTransport is not null;
        var inner = CreateProviderClient(settings, warmUpTransport);
        var policy = new ModelCallPolicy(settings.MaxRetries, TimeSpan.FromMilliseconds(settings.RetryBaseDelayMilliseconds), TimeSpan.FromSeconds(settings.TimeoutSeconds));
        var capture = new ModelRequestCapture(settings);
        return inner.AsBuilder()
            .Use(client => new RequestCaptureService(client, capture))
            .UseLogging(loggerFactory)
            .UseOpenTelemetry(loggerFactory, sourceName: warmUp ? TelemetryNames.ModelsSource + ".WarmUp" : TelemetryNames.ModelsSource, configure: telemetry => telemetry.EnableSensitiveData = false)
            .Use(client => callMetrics is null || warmUp ? client : callMetrics.Wrap(client, name, settings.Model))
            .Use(client => inFlight is null ? client : inFlight.Wrap(client))
            .Use(client => new ResilientChatClient(client, policy, clock))
            .Build();
    }

    // Retries belong to ResilientChatClient, where they are visible and configurable; the SDK's own retry
    // policy would multiply the attempts.
    private static readonly System.ClientModel.Primitives.ClientRetryPolicy NoRetries = new(maxRetries: 0);

    /// <param name="transport">The HTTP handler under the client; null for the default network stack.</param>
    public static IChatClient CreateProviderClient(ModelConnectionOptions settings, HttpMessageHandler? transport = null)
    {
        var timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        System.ClientModel.Primitives.PipelineTransport? pipelineTransport = transport is null ? null : new System.ClientModel.Primitives.HttpClientPipelineTransport(new HttpClient(transport));
        switch (settings.Provider.ToLowerInvariant())
        {
            case ModelProviderNames.OpenAI:
            {
                var clientOptions = new OpenAIClientOptions { NetworkTimeout = timeout, RetryPolicy = NoRetries };
                if (pipelineTransport is not null) clientOptions.Transport = pipelineTransport;
                if (settings.Endpoint is { Length: > 0 } endpoint) clientOptions.Endpoint = new Uri(endpoint);
                return new OpenAIClient(new ApiKeyCredential(settings.ApiKey!), clientOptions).GetChatClient(settings.Model).AsIChatClient();
            }
            case ModelProviderNames.AzureOpenAI:
            {
                // Azure OpenAI's v1 API speaks the OpenAI protocol under /openai/v1/ with the resource key.
                var baseUri = new Uri(settings.Endpoint!.TrimEnd('/') + "/openai/v1/");
                var clientOptions = new OpenAIClientOptions { Endpoint = baseUri, NetworkTimeout = timeout, RetryPolicy = NoRetries };
                if (pipelineTransport is not null) clientOptions.Transport = pipelineTransport;
                return new OpenAIClient(new ApiKeyCredential(settings.ApiKey!), clientOptions).GetChatClient(settings.Model).AsIChatClient();
            }
            case ModelProviderNames.OpenAICompatible:
            {
                var clientOptions = new OpenAIClientOptions { Endpoint = new Uri(settings.Endpoint!), NetworkTimeout = timeout, RetryPolicy = NoRetries };
                if (pipelineTransport is not null) clientOptions.Transport = pipelineTransport;
                // Many compatible servers need no key; the SDK still requires a credential value.
                var key = string.IsNullOrEmpty(settings.ApiKey) ? "unused" : settings.ApiKey;
                return new OpenAIClient(new ApiKeyCredential(key), clientOptions).GetChatClient(settings.Model).AsIChatClient();
            }
            case ModelProviderNames.Ollama:
            {
                var http = transport is null ? new HttpClient() : new HttpClient(transport);
                http.BaseAddress = new Uri(settings.Endpoint!);
                http.Timeout = timeout;
                return new OllamaApiClient(http, settings.Model);
            }
            default:
                throw new InvalidOperationException($"Unknown model provider '{settings.Provider}'.");
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            if (client.IsValueCreated) client.Value.Dispose();
        }
    }
}
