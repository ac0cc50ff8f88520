using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Configuration;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Storage;

/// <summary>A version with its content, and the exact bytes an API response for it carries.</summary>
public sealed class VersionDocument
{
    public VersionDocument(VersionRecord record, byte[] canonicalContent)
    {
        Record = record;
        ContentJson = JsonNode.Parse(canonicalContent)!.AsObject();
        Content = PromptVersionJson.Parse(ContentJson.DeepClone());
        var document = Describe(record);
        foreach (var (key, value) in ContentJson) document[key] = value?.DeepClone();
        ResponseBytes = Http.JsonResponses.Serialize(document);
    }

    public VersionRecord Record { get; }
    public PromptVersionContent Content { get; }

    /// <summary>The normalized content document; treat as read-only, it is shared between requests.</summary>
    public JsonObject ContentJson { get; }

    /// <summary>The version document plus its record (id, sequence, created_at, ...), serialized once.</summary>
    public byte[] ResponseBytes { get; }

    public static JsonObject Describe(VersionRecord record)
    {
        var obj = new JsonObject
        {
            ["id"] = record.Id,
            ["prompt"] = record.Prompt,
            ["sequence"] = record.Sequence,
            ["created_at"] = record.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
            ["created_by"] = record.CreatedBy,
        };
        if (record.Message is not null) obj["message"] = record.Message;
        if (record.Parent is not null) obj["parent"] = record.Parent;
        if (record.ExperimentId is not null) obj["experiment_id"] = record.ExperimentId;
        return obj;
    }
}

/// <summary>
/// Cached reads over <see cref="PromptStore"/>. Version documents are immutable and cached by id within a memory
/// bound; tag and latest resolutions are cached briefly and dropped locally whenever this process changes them.
/// Other processes see a change after <see cref="PromptHubOptions.TagResolutionCacheSeconds"/> at most.
/// </summary>
public sealed class PromptCatalog : IDisposable
{
    private readonly PromptStore _store;
    private readonly IOptions<PromptHubOptions> _options;
    private readonly MemoryCache _versions;
    private readonly MemoryCache _resolutions;

    public PromptCatalog(PromptStore store, IOptions<PromptHubOptions> options, TimeProvider clock)
    {
        _store = store;
        _options = options;
        _versions = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.VersionCacheBytes, Clock = new SystemClockAdapter(clock) });
        _resolutions = new MemoryCache(new MemoryCacheOptions { SizeLimit = 200_000, Clock = new SystemClockAdapter(clock) });
    }

    public PromptStore Store => _store;

    public async Task<VersionDocument?> GetDocumentAsync(VersionRecord record, CancellationToken cancellationToken)
    {
        var key = (record.Prompt, record.Id);
        if (_versions.TryGetValue(key, out VersionDocument? cached) && cached is not null) return cached;
        var content = await _store.ReadContentAsync(record.Prompt, record.Id, cancellationToken);
        if (content is null) return null;
        var document = new VersionDocument(record, content);
        // Size approximates memory: the response bytes, the parsed content and the canonical bytes.
        _versions.Set(key, document, new MemoryCacheEntryOptions { Size = document.ResponseBytes.Length * 4L + 512 });
        return document;
    }

    public async Task<VersionRecord?> ResolveTagAsync(string prompt, string tag, CancellationToken cancellationToken)
    {
        var key = ("tag", prompt, tag);
        if (_resolutions.TryGetValue(key, out VersionRecord? cached)) return cached;
        var record = (await _store.GetTagAsync(prompt, tag, cancellationToken))?.Target;
        Remember(key, record);
        return record;
    }

    public async Task<VersionRecord?> ResolveLatestAsync(string prompt, CancellationToken cancellationToken)
    {
        var key = ("latest", prompt);
        if (_resolutions.TryGetValue(key, out VersionRecord? cached)) return cached;
        var record = (await _store.GetPromptAsync(prompt, cancellationToken))?.Latest;
        Remember(key, record);
        return record;
    }

    /// <summary>A version by content id or by <c>v{sequence}</c>; both are immutable once assigned.</summary>
    public async Task<VersionRecord?> ResolveVersionAsync(string prompt, string reference, CancellationToken cancellationToken)
    {
        var key = ("version", prompt, reference);
        if (_resolutions.TryGetValue(key, out VersionRecord? cached) && cached is not null) return cached;
        VersionRecord? record;
        if (reference.Length > 1 && reference[0] == 'v' && long.TryParse(reference.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            record = await _store.GetVersionBySequenceAsync(prompt, sequence, cancellationToken);
        else
            record = await _store.GetVersionAsync(prompt, reference, cancellationToken);
        // Only hits are kept: a miss may become a hit as soon as the version is created.
        if (record is not null) _resolutions.Set(key, record, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });
        return record;
    }

    private void Remember(object key, VersionRecord? record)
    {
        var ttl = _options.Value.TagResolutionCacheSeconds;
        if (ttl <= 0 || record is null) return;
        _resolutions.Set(key, record, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(ttl) });
    }

    public void ForgetTag(string prompt, string tag) => _resolutions.Remove(("tag", prompt, tag));

    public void ForgetLatest(string prompt) => _resolutions.Remove(("latest", prompt));

    public void Dispose()
    {
        _versions.Dispose();
        _resolutions.Dispose();
    }

#pragma warning disable CS0618 // MemoryCacheOptions.Clock still takes ISystemClock; adapt TimeProvider so tests can move time.
    private sealed class SystemClockAdapter(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
#pragma warning restore CS0618
}
