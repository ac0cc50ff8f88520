using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace PromptFunctions.Client.Caching;

/// <summary>A cache key: the prompt and the reference asked for.</summary>
internal readonly record struct PromptKey(string Name, PromptReference Reference)
{
    public override string ToString() => $"{Name} {Reference}";
}

/// <summary>
/// One cached answer. The completed task is allocated once, so a cache hit returns it without allocating.
/// </summary>
internal sealed class CachedPrompt
{
    public CachedPrompt(PromptVersion version, long freshUntil, Task<PromptVersion>? completed = null)
    {
        Version = version;
        FreshUntil = freshUntil;
        RetryAt = freshUntil;
        Completed = completed ?? Task.FromResult(version);
    }

    public PromptVersion Version { get; }
    public Task<PromptVersion> Completed { get; }

    /// <summary>Clock reading of the client until which the answer is served without asking.</summary>
    public long FreshUntil { get; }

    /// <summary>
    /// The earliest timestamp at which a caller may start a revalidation; moved forward by whoever starts one, so
    /// that one caller per interval does, and a failing service is not asked on every call.
    /// </summary>
    public long RetryAt;

    /// <summary>For eviction: roughly when the entry was last served.</summary>
    public long LastUsed;
}

/// <summary>
/// A concurrent dictionary bounded by entry count. Past the bound the least recently served tenth is evicted;
/// the recency stamp is updated at most every <paramref name="touchInterval"/> timestamp ticks so that threads
/// serving the same hot entry do not keep writing to it.
/// </summary>
internal sealed class PromptCache(int capacity, long touchInterval)
{
    private readonly ConcurrentDictionary<PromptKey, CachedPrompt> _entries = new();
    private readonly Lock _evictionLock = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public bool TryGet(in PromptKey key, long now, [MaybeNullWhen(false)] out CachedPrompt entry)
    {
        if (!_entries.TryGetValue(key, out entry)) return false;
        if (now - entry.LastUsed > touchInterval) entry.LastUsed = now;
        return true;
    }

    public void Set(in PromptKey key, CachedPrompt entry, long now)
    {
        entry.LastUsed = now;
        while (true)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                if (_entries.TryUpdate(key, entry, existing)) return;
            }
            else if (_entries.TryAdd(key, entry))
            {
                if (Interlocked.Increment(ref _count) > capacity) Evict();
                return;
            }
        }
    }

    /// <summary>Removes the entry only if it is still <paramref name="entry"/>, so a newer answer is never dropped.</summary>
    public void Remove(in PromptKey key, CachedPrompt entry)
    {
        if (_entries.TryRemove(new KeyValuePair<PromptKey, CachedPrompt>(key, entry))) Interlocked.Decrement(ref _count);
    }

    private void Evict()
    {
        lock (_evictionLock)
        {
            if (Volatile.Read(ref _count) <= capacity) return;
            var snapshot = _entries.ToArray();
            Array.Sort(snapshot, static (a, b) => a.Value.LastUsed.CompareTo(b.Value.LastUsed));
            var target = capacity - Math.Max(1, capacity / 10);
            foreach (var (key, entry) in snapshot)
            {
                if (Volatile.Read(ref _count) <= target) break;
                Remove(key, entry);
            }
        }
    }
}
