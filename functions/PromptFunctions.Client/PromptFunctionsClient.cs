using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Prompts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using PromptFunctions.Client.Caching;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Client;

/// <summary>
/// The PromptFunctions client. One instance per application (it holds the cache); thread-safe.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Versions by content id are immutable and cached until evicted (at most <see cref="PromptFunctionsClientOptions.CacheSize"/>).</item>
/// <item>Tag, latest and <c>v{n}</c> answers are fresh for <see cref="PromptFunctionsClientOptions.CacheTtl"/>. An
/// expired answer is served at once while one background request revalidates it with <c>If-None-Match</c>; an
/// unchanged tag costs a 304 without a body.</item>
/// <item>Concurrent callers for the same uncached key share one request.</item>
/// <item>When the service fails, an expired answer keeps being served (retried at most every
/// <see cref="RetryInterval"/>); with nothing cached, the configured fallback is served, and otherwise a
/// <see cref="PromptServiceUnavailableException"/> is thrown. A 404, 401 or 403 on revalidation drops the cached
/// answer, so the next call reports it: a deleted tag or a revoked key is not papered over.</item>
/// </list>
/// </remarks>
public sealed partial class PromptFunctionsClient : IPromptFunctionsClient, IDisposable
{
    /// <summary>The name of the <see cref="HttpClient"/> registered by <c>AddPromptFunctionsClient</c>.</summary>
    public const string HttpClientName = "PromptFunctions";

    /// <summary>The longest wait between revalidation attempts while the service is failing (shorter if the TTL is).</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private static readonly ProductInfoHeaderValue UserAgent =
        new("PromptFunctions.Client", typeof(PromptFunctionsClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0");

    private readonly Func<HttpClient> _http;
    private readonly Uri _root;
    private readonly string _apiKey;
    private readonly TimeProvider _clock;
    private readonly bool _systemClock;
    private readonly long _ticksPerSecond;
    private readonly ILogger _logger;
    private readonly long _ttlTicks;
    private readonly long _retryTicks;
    private readonly PromptCache _versions;
    private readonly PromptCache _references;
    private readonly Dictionary<string, PromptVersion> _fallbacks;
    private readonly ConcurrentDictionary<PromptKey, Task<PromptVersion>> _inFlight = new();
    private readonly CancellationTokenSource _lifetime = new();

    /// <summary>The constructor dependency injection uses: a named client from <see cref="IHttpClientFactory"/>.</summary>
    public PromptFunctionsClient(IHttpClientFactory httpClientFactory, IOptions<PromptFunctionsClientOptions> options, TimeProvider? timeProvider = null, ILogger<PromptFunctionsClient>? logger = null)
        : this(() => httpClientFactory.CreateClient(HttpClientName), options.Value, timeProvider, logger, validated: true)
    {
    }

    /// <summary>
    /// A client over an <see cref="HttpClient"/> you own, without dependency injection. Prefer
    /// <c>services.AddPromptFunctionsClient(...)</c>, which adds retries, timeouts and a circuit breaker.
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public PromptFunctionsClient(HttpClient httpClient, PromptFunctionsClientOptions options, TimeProvider? timeProvider = null, ILogger<PromptFunctionsClient>? logger = null)
        : this(() => httpClient, options, timeProvider, logger, validated: false)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
    }

    private PromptFunctionsClient(Func<HttpClient> http, PromptFunctionsClientOptions options, TimeProvider? timeProvider, ILogger? logger, bool validated)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!validated)
        {
            var result = new PromptFunctionsClientOptionsValidator().Validate(null, options);
            if (result.Failed) throw new OptionsValidationException(nameof(PromptFunctionsClientOptions), typeof(PromptFunctionsClientOptions), result.Failures);
        }
        _http = http;
        var root = options.BaseUrl!.AbsoluteUri;
        _root = new Uri(root.EndsWith('/') ? root : root + "/");
        _apiKey = options.ApiKey!;
        _clock = timeProvider ?? TimeProvider.System;
        // The system provider's timestamp is a high-resolution counter that costs a system call on some virtual
        // machines, more than the whole cache lookup; a TTL needs only the millisecond tick count.
        _systemClock = ReferenceEquals(_clock, TimeProvider.System);
        _ticksPerSecond = _systemClock ? 1000 : _clock.TimestampFrequency;
        _logger = logger ?? NullLogger.Instance;
        _ttlTicks = ToTimestampTicks(options.CacheTtl);
        _retryTicks = ToTimestampTicks(options.CacheTtl < RetryInterval ? options.CacheTtl : RetryInterval);
        var touchInterval = _ticksPerSecond / 10;
        _versions = new PromptCache(options.CacheSize, touchInterval);
        _references = new PromptCache(options.CacheSize, touchInterval);
        _fallbacks = options.ParseFallbacks();
    }

    /// <inheritdoc />
    public Task<PromptVersion> GetPromptAsync(string name, PromptReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Only valid names and references ever reach the cache, so a hit needs no validation.
        var key = new PromptKey(name, reference);
        var now = Now();
        if (reference.IsImmutable)
        {
            if (_versions.TryGet(key, now, out var version)) return version.Completed;
        }
        else if (_references.TryGet(key, now, out var cached))
        {
            if (now < cached.FreshUntil) return cached.Completed;
            var retryAt = Volatile.Read(ref cached.RetryAt);
            if (now >= retryAt && Interlocked.CompareExchange(ref cached.RetryAt, now + _retryTicks, retryAt) == retryAt)
                StartBackgroundRevalidation(key, cached);
            return cached.Completed;
        }
        return FetchUncachedAsync(key, cancellationToken);
    }

    /// <summary>Waits until no request of this client is running; for tests that observe background revalidation.</summary>
    internal async Task WhenIdleAsync()
    {
        while (!_inFlight.IsEmpty)
        {
            foreach (var task in _inFlight.Values)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (PromptFunctionsException)
                {
                    // The caller that cares has seen it.
                }
            }
        }
    }

    /// <summary>Cancels running requests. The client cannot be used afterwards.</summary>
    public void Dispose() => _lifetime.Cancel();

    private async Task<PromptVersion> FetchUncachedAsync(PromptKey key, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsPromptName(key.Name)) throw new ArgumentException($"'{key.Name}' is not a valid prompt name: {Identifiers.PromptNameRule}.", "name");
        key.Reference.Validate("reference");
        try
        {
            return await Refresh(key, null).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PromptServiceUnavailableException e) when (_fallbacks.TryGetValue(key.Name, out var fallback))
        {
            LogServingFallback(_logger, key.Name, key.Reference.ToString(), e.Message);
            if (!key.Reference.IsImmutable)
            {
                // Kept as an expired answer: later callers get the fallback at once while the service is retried
                // in the background, instead of each waiting for the retries to fail again.
                var now = Now();
                var entry = new CachedPrompt(fallback, now);
                entry.RetryAt = now + _retryTicks;
                _references.Set(key, entry, now);
            }
            return fallback;
        }
    }

    private void StartBackgroundRevalidation(PromptKey key, CachedPrompt cached)
    {
        var task = Refresh(key, cached);
        // Errors of a background revalidation are logged where they happen; nobody may be awaiting this task.
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Starts the one request for <paramref name="key"/>, or joins the one running.</summary>
    private Task<PromptVersion> Refresh(PromptKey key, CachedPrompt? cached)
    {
        while (true)
        {
            if (_inFlight.TryGetValue(key, out var running)) return running;
            var completion = new TaskCompletionSource<PromptVersion>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_inFlight.TryAdd(key, completion.Task)) continue;
            // Off the caller's thread: a caller served a stale answer returns at once, and no request runs inside
            // whatever the caller was doing.
            _ = Task.Run(() => RunRefreshAsync(key, cached, completion));
            return completion.Task;
        }
    }

    private async Task RunRefreshAsync(PromptKey key, CachedPrompt? cached, TaskCompletionSource<PromptVersion> completion)
    {
        try
        {
            var version = await RefreshCoreAsync(key, cached).ConfigureAwait(false);
            // The cache is updated before the key leaves the in-flight map, so a caller arriving in between hits it.
            _inFlight.TryRemove(key, out _);
            completion.SetResult(version);
        }
        catch (Exception e)
        {
            _inFlight.TryRemove(key, out _);
            completion.SetException(e);
        }
    }

    private async Task<PromptVersion> RefreshCoreAsync(PromptKey key, CachedPrompt? cached)
    {
        // A fallback is never revalidated: identical content on the server must replace it, not keep it. The entity
        // tag of a version's responses is "{id}.{sequence}" (docs/api.md, Caching).
        var knownTag = cached is { Version.IsFallback: false } ? string.Create(CultureInfo.InvariantCulture, $"\"{cached.Version.Id}.{cached.Version.Sequence}\"") : null;
        Fetched fetched;
        try
        {
            fetched = await FetchAsync(key, knownTag).ConfigureAwait(false);
        }
        catch (PromptFunctionsException e) when (cached is not null)
        {
            if (e is PromptNotFoundException or PromptAuthorizationException)
            {
                _references.Remove(key, cached);
                LogDroppedCachedAnswer(_logger, key.Name, key.Reference.ToString(), e.Message);
                throw;
            }
            LogServingStale(_logger, key.Name, key.Reference.ToString(), cached.Version.Id, e.Message);
            return cached.Version;
        }

        var now = Now();
        if (fetched.Version is null)
        {
            if (cached is null) throw new PromptFunctionsException($"The service answered 304 Not Modified to a request for {key} that had no If-None-Match.", key.Name, key.Reference, HttpStatusCode.NotModified, null);
            _references.Set(key, new CachedPrompt(cached.Version, now + _ttlTicks, cached.Completed), now);
            return cached.Version;
        }

        var version = fetched.Version;
        // Every fetched version also answers later requests for its id, and identical answers share one object.
        var byId = new PromptKey(key.Name, PromptReference.Version(version.Id));
        if (_versions.TryGet(byId, now, out var known) && known.Version.Id == version.Id) version = known.Version;
        else _versions.Set(byId, new CachedPrompt(version, long.MaxValue), now);
        if (!key.Reference.IsImmutable)
        {
            var completed = cached is not null && ReferenceEquals(cached.Version, version) ? cached.Completed : null;
            _references.Set(key, new CachedPrompt(version, now + _ttlTicks, completed), now);
        }
        return version;
    }

    private readonly record struct Fetched(PromptVersion? Version);

    private async Task<Fetched> FetchAsync(PromptKey key, string? knownTag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_root, key.Reference.PathOf(key.Name)));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        request.Headers.UserAgent.Add(UserAgent);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (knownTag is not null) request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(knownTag));

        HttpResponseMessage? response = null;
        byte[] body;
        try
        {
            response = await _http().SendAsync(request, HttpCompletionOption.ResponseContentRead, _lifetime.Token).ConfigureAwait(false);
            body = await response.Content.ReadAsByteArrayAsync(_lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsOutage(e))
        {
            response?.Dispose();
            throw new PromptServiceUnavailableException($"Prompt '{key.Name}' ({key.Reference}) could not be fetched: {e.Message}", key.Name, key.Reference, null, null, e);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.NotModified) return new Fetched(null);
            if (response.StatusCode == HttpStatusCode.OK) return new Fetched(ParseVersion(body, key));

            var problem = PromptProblemDetails.TryParse(body, status);
            var detail = problem?.Detail ?? response.ReasonPhrase ?? "no detail";
            var message = $"Fetching prompt '{key.Name}' ({key.Reference}) failed with {status}: {detail}";
            throw status switch
            {
                404 => new PromptNotFoundException(message, key.Name, key.Reference, problem),
                401 or 403 => new PromptAuthorizationException(message, key.Name, key.Reference, response.StatusCode, problem),
                408 or 429 or >= 500 => new PromptServiceUnavailableException(message, key.Name, key.Reference, response.StatusCode, problem, null),
                _ => new PromptFunctionsException(message, key.Name, key.Reference, response.StatusCode, problem),
            };
        }
    }

    /// <summary>
    /// Whether a failure to get an answer means the service is unavailable, which the documented fallback covers.
    /// Every transport failure does, however it surfaces: socket errors usually arrive wrapped in
    /// <see cref="HttpRequestException"/>, but some (a connection reset between connect and send, reported as
    /// "Transport endpoint is not connected") escape the handler as a bare <see cref="System.Net.Sockets.SocketException"/>.
    /// </summary>
    private bool IsOutage(Exception e)
    {
        if (e is OperationCanceledException)
        {
            // HttpClient.Timeout surfaces as a cancellation that nobody asked for.
            return !_lifetime.IsCancellationRequested;
        }
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
        {
            if (cause is HttpRequestException or IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException
                // Polly's timeout, broken circuit and rate-limiter rejections.
                or ExecutionRejectedException)
                return true;
        }
        return false;
    }

    private static PromptVersion ParseVersion(byte[] body, PromptKey key)
    {
        try
        {
            var document = ContractsJson.Deserialize<PromptVersionDocument>(body) ?? throw new JsonException("the body is null");
            // Only content members go to the content schema, which is closed; record members may grow.
            var content = ContractsJson.ToObject(document.Content?.Where(m => PromptVersionJson.ContentMembers.Contains(m.Key)));
            return new PromptVersion
            {
                Name = document.Prompt ?? throw new JsonException("'prompt' is missing"),
                Id = document.Id ?? throw new JsonException("'id' is missing"),
                Sequence = document.Sequence,
                CreatedAt = document.CreatedAt,
                CreatedBy = document.CreatedBy ?? throw new JsonException("'created_by' is missing"),
                Message = document.Message,
                Parent = document.Parent,
                ExperimentId = document.ExperimentId,
                Content = PromptVersionJson.Parse(content),
            };
        }
        catch (Exception e) when (e is JsonException or PromptValidationException or InvalidOperationException or FormatException)
        {
            throw new PromptFunctionsException($"The service's answer for prompt '{key.Name}' ({key.Reference}) is not a prompt version this client understands: {e.Message}", key.Name, key.Reference, HttpStatusCode.OK, null, e);
        }
    }

    private long Now() => _systemClock ? Environment.TickCount64 : _clock.GetTimestamp();

    private long ToTimestampTicks(TimeSpan span) => (long)(span.TotalSeconds * _ticksPerSecond);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Serving the cached version {VersionId} of prompt '{Prompt}' ({Reference}) because revalidation failed: {Reason}")]
    private static partial void LogServingStale(ILogger logger, string prompt, string reference, string versionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Serving the configured fallback of prompt '{Prompt}' ({Reference}) because the service is unavailable: {Reason}")]
    private static partial void LogServingFallback(ILogger logger, string prompt, string reference, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped the cached answer for prompt '{Prompt}' ({Reference}): {Reason}")]
    private static partial void LogDroppedCachedAnswer(ILogger logger, string prompt, string reference, string reason);
}
