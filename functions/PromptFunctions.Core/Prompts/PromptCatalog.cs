using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Telemetry;

namespace PromptFunctions.Core.Prompts;

/// <summary>A prompt and its live tags, read together.</summary>
public sealed record PromptState(PromptRecord Prompt, IReadOnlyList<TagRecord> Tags);

/// <summary>
/// Cached reads over <see cref="PromptReader"/>. Version documents are immutable and cached by id within a memory
/// bound; tag and latest resolutions are cached briefly and dropped locally whenever this process changes them.
/// Other processes see a change after <see cref="PromptHubOptions.TagResolutionCacheSeconds"/> at most.
/// </summary>
public sealed class PromptCatalog : IDisposable
{
    // Resolutions are tiny and looked up on every fetch, so they live in a plain concurrent dictionary; past this
    // many entries it is cleared rather than managed, which costs one storage read per pointer afterwards.
    private const int MaxResolutions = 100_000;
    private const long VersionResolutionSeconds = 300;

    private readonly PromptReader _reader;
    private readonly IOptions<PromptHubOptions> _options;
    private readonly TimeProvider _clock;
    private readonly MemoryCache _versions;
    private readonly ConcurrentDictionary<ResolutionKey, Resolution> _resolutions = new();
    private readonly ConcurrentDictionary<string, (PromptState State, long ExpiresAt)> _states = new(StringComparer.Ordinal);
    // A hot tag's resolution expires for every request in flight at once; these make that one storage read.
    private readonly SingleFlight<ResolutionKey, VersionRecord?> _resolutionLoads = new();
    private readonly SingleFlight<string, PromptState?> _stateLoads = new();

    public PromptCatalog(PromptReader store, IOptions<PromptHubOptions> options, TimeProvider clock)
    {
        _reader = store;
        _options = options;
        _clock = clock;
        _versions = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.VersionCacheBytes, Clock = new SystemClockAdapter(clock) });
    }

    private enum Pointer : byte
    {
        Tag,
        Latest,
        Version,
    }

    private readonly record struct ResolutionKey(Pointer Kind, string Prompt, string Name);

    /// <param name="ExpiresAt">In <see cref="TimeProvider.GetTimestamp"/> units.</param>
    private sealed record Resolution(VersionRecord Record, long ExpiresAt);

    public ValueTask<VersionDocument?> GetDocumentAsync(VersionRecord record, CancellationToken cancellationToken)
    {
        // The record must match too: after a prompt is deleted and the same content posted again, the content is
        // the same but its sequence and creation record are new.
        if (_versions.TryGetValue((record.Prompt, record.Id), out VersionDocument? cached) && cached is not null && cached.Record == record)
            return ValueTask.FromResult<VersionDocument?>(cached);
        return LoadDocumentAsync(record, cancellationToken);
    }

    private async ValueTask<VersionDocument?> LoadDocumentAsync(VersionRecord record, CancellationToken cancellationToken)
    {
        using var span = PromptSpans.StartContentLoad(record);
        var content = await _reader.ReadContentAsync(record.Prompt, record.Id, cancellationToken);
        if (content is null) return null;
        var document = new VersionDocument(record, content);
        // Size approximates memory: the response bytes, the parsed content and the canonical bytes.
        _versions.Set((record.Prompt, record.Id), document, new MemoryCacheEntryOptions { Size = document.ResponseBytes.Length * 4L + 512 });
        return document;
    }

    public ValueTask<VersionRecord?> ResolveTagAsync(string prompt, string tag, CancellationToken cancellationToken) =>
        ResolveTagAsync(prompt, tag, out _, cancellationToken);

    /// <param name="cached">Whether this process's cache answered, for the fetch metrics.</param>
    public ValueTask<VersionRecord?> ResolveTagAsync(string prompt, string tag, out bool cached, CancellationToken cancellationToken) =>
        (cached = TryCached(new ResolutionKey(Pointer.Tag, prompt, tag), out var hit))
            ? Hit(PromptSpans.Tag, prompt, tag, hit)
            : new ValueTask<VersionRecord?>(_resolutionLoads.RunAsync(new ResolutionKey(Pointer.Tag, prompt, tag), LoadTagAsync, cancellationToken));

    private async Task<VersionRecord?> LoadTagAsync(ResolutionKey key, long generation)
    {
        using var span = PromptSpans.StartStorageRead(PromptSpans.Tag, key.Prompt, key.Name);
        var record = (await _reader.GetTagAsync(key.Prompt, key.Name, CancellationToken.None))?.Target;
        PromptSpans.FinishStorageRead(span, PromptSpans.Tag, key.Prompt, key.Name, record);
        RememberBriefly(key, record, generation);
        return record;
    }

    public ValueTask<VersionRecord?> ResolveLatestAsync(string prompt, CancellationToken cancellationToken) =>
        ResolveLatestAsync(prompt, out _, cancellationToken);

    /// <param name="cached">Whether this process's cache answered, for the fetch metrics.</param>
    public ValueTask<VersionRecord?> ResolveLatestAsync(string prompt, out bool cached, CancellationToken cancellationToken) =>
        (cached = TryCached(new ResolutionKey(Pointer.Latest, prompt, ""), out var hit))
            ? Hit(PromptSpans.Latest, prompt, "", hit)
            : new ValueTask<VersionRecord?>(_resolutionLoads.RunAsync(new ResolutionKey(Pointer.Latest, prompt, ""), LoadLatestAsync, cancellationToken));

    private async Task<VersionRecord?> LoadLatestAsync(ResolutionKey key, long generation)
    {
        using var span = PromptSpans.StartStorageRead(PromptSpans.Latest, key.Prompt, "");
        var record = (await _reader.GetPromptAsync(key.Prompt, CancellationToken.None))?.Latest;
        PromptSpans.FinishStorageRead(span, PromptSpans.Latest, key.Prompt, "", record);
        RememberBriefly(key, record, generation);
        return record;
    }

    /// <summary>A version by content id or by <c>v{sequence}</c>; both are immutable once assigned.</summary>
    public ValueTask<VersionRecord?> ResolveVersionAsync(string prompt, string reference, CancellationToken cancellationToken) =>
        ResolveVersionAsync(prompt, reference, out _, cancellationToken);

    /// <param name="cached">Whether this process's cache answered, for the fetch metrics.</param>
    public ValueTask<VersionRecord?> ResolveVersionAsync(string prompt, string reference, out bool cached, CancellationToken cancellationToken) =>
        (cached = TryCached(new ResolutionKey(Pointer.Version, prompt, reference), out var hit))
            ? Hit(PromptSpans.Version, prompt, reference, hit)
            : new ValueTask<VersionRecord?>(_resolutionLoads.RunAsync(new ResolutionKey(Pointer.Version, prompt, reference), LoadVersionAsync, cancellationToken));

    private static ValueTask<VersionRecord?> Hit(string pointer, string prompt, string name, VersionRecord? record)
    {
        if (record is not null) PromptSpans.CacheHit(pointer, prompt, name, record);
        return ValueTask.FromResult(record);
    }

    private async Task<VersionRecord?> LoadVersionAsync(ResolutionKey key, long generation)
    {
        var (prompt, reference) = (key.Prompt, key.Name);
        using var span = PromptSpans.StartStorageRead(PromptSpans.Version, prompt, reference);
        VersionRecord? record;
        if (reference.Length > 1 && reference[0] == 'v' && long.TryParse(reference.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            record = await _reader.GetVersionBySequenceAsync(prompt, sequence, CancellationToken.None);
        else
            record = await _reader.GetVersionAsync(prompt, reference, CancellationToken.None);
        PromptSpans.FinishStorageRead(span, PromptSpans.Version, prompt, reference, record);
        // Only hits are kept: a miss may become a hit as soon as the version is created. Hits expire too, because
        // deleting a prompt in another process removes its versions.
        if (record is not null && generation == _resolutionLoads.Generation)
            Remember(key, new Resolution(record, _clock.GetTimestamp() + VersionResolutionSeconds * _clock.TimestampFrequency));
        return record;
    }

    /// <summary>
    /// The prompt with every live tag, for views that show all labels of a version (the Langfuse API); cached
    /// like tag resolutions and dropped whenever this process changes a tag, the latest version or the prompt.
    /// </summary>
    public ValueTask<PromptState?> GetPromptStateAsync(string prompt, CancellationToken cancellationToken) =>
        _states.TryGetValue(prompt, out var cached) && _clock.GetTimestamp() < cached.ExpiresAt
            ? ValueTask.FromResult<PromptState?>(cached.State)
            : new ValueTask<PromptState?>(_stateLoads.RunAsync(prompt, LoadPromptStateAsync, cancellationToken));

    private async Task<PromptState?> LoadPromptStateAsync(string prompt, long generation)
    {
        var promptTask = _reader.GetPromptAsync(prompt, CancellationToken.None);
        var tagsTask = _reader.ListTagsAsync(prompt, CancellationToken.None);
        var record = await promptTask;
        var tags = await tagsTask;
        if (record is null) return null;
        var state = new PromptState(record, tags);
        var ttl = _options.Value.TagResolutionCacheSeconds;
        // A load that started before a write of this process must not cache what it read before that write.
        if (ttl > 0 && generation == _stateLoads.Generation)
        {
            if (_states.Count >= MaxResolutions) _states.Clear();
            _states[prompt] = (state, _clock.GetTimestamp() + (long)(ttl * _clock.TimestampFrequency));
        }
        return state;
    }

    /// <summary>
    /// Drops what this process holds about <paramref name="change"/>, so the next read here sees it; other
    /// processes see it when their short-lived resolutions expire. Called by <see cref="PromptService"/> only.
    /// </summary>
    internal void Forget(PromptChange change)
    {
        _resolutionLoads.Invalidate();
        _stateLoads.Invalidate();
        switch (change)
        {
            case PromptChange.VersionCreated:
                ForgetLatest(change.Prompt);
                break;
            case PromptChange.PromptUpdated:
                _states.TryRemove(change.Prompt, out _);
                break;
            case PromptChange.TagChanged tag:
                ForgetTag(change.Prompt, tag.Entry.Tag);
                break;
            default:
                ForgetPrompt(change.Prompt);
                break;
        }
    }

    private bool TryCached(ResolutionKey key, out VersionRecord? record)
    {
        if (_resolutions.TryGetValue(key, out var resolution) &&
            _clock.GetTimestamp() < resolution.ExpiresAt)
        {
            record = resolution.Record;
            return true;
        }
        record = null;
        return false;
    }

    private void RememberBriefly(ResolutionKey key, VersionRecord? record, long generation)
    {
        var ttl = _options.Value.TagResolutionCacheSeconds;
        // Misses are not kept: a tag created elsewhere must be visible on the next read. A load that started
        // before a write of this process must not cache what it read before that write.
        if (ttl <= 0 || record is null || generation != _resolutionLoads.Generation) return;
        var expiresAt = _clock.GetTimestamp() + (long)(ttl * _clock.TimestampFrequency);
        Remember(key, new Resolution(record, expiresAt));
    }

    private void Remember(ResolutionKey key, Resolution resolution)
    {
        if (_resolutions.Count >= MaxResolutions) _resolutions.Clear();
        _resolutions[key] = resolution;
    }

    private void ForgetTag(string prompt, string tag)
    {
        _resolutions.TryRemove(new ResolutionKey(Pointer.Tag, prompt, tag), out _);
        _states.TryRemove(prompt, out _);
    }

    private void ForgetLatest(string prompt)
    {
        _resolutions.TryRemove(new ResolutionKey(Pointer.Latest, prompt, ""), out _);
        _states.TryRemove(prompt, out _);
    }

    /// <summary>Drops every resolution of the prompt (after a version or the prompt is deleted).</summary>
    private void ForgetPrompt(string prompt)
    {
        _states.TryRemove(prompt, out _);
        foreach (var key in _resolutions.Keys)
        {
            if (key.Prompt == prompt) _resolutions.TryRemove(key, out _);
        }
    }

    public void Dispose() => _versions.Dispose();

#pragma warning disable CS0618 // MemoryCacheOptions.Clock still takes ISystemClock; adapt TimeProvider so tests can move time.
    private sealed class SystemClockAdapter(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
#pragma warning restore CS0618
}
