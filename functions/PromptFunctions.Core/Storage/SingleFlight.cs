using System.Collections.Concurrent;

namespace PromptFunctions.Core.Storage;

/// <summary>
/// One load per key at a time: callers that ask for a key whose load is running share it instead of starting
/// their own. When a cached entry expires under load, a hot key would otherwise send every request in flight to
/// storage at once. A load belongs to the generation it started in; after <see cref="Invalidate"/>, new callers
/// start a fresh load rather than joining one that may have read the state from before a write.
/// </summary>
public sealed class SingleFlight<TKey, TValue> where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Flight> _flights = new();
    private long _generation;

    private sealed class Flight(long generation)
    {
        public long Generation { get; } = generation;
        public Task<TValue>? Task { get; set; }
    }

    /// <summary>The current generation; a load's result may be cached only if the generation has not moved since it started.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Makes running loads unjoinable: they may have read storage before a write that just committed.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    /// <summary>
    /// Joins the running load of <paramref name="key"/>, or starts <paramref name="load"/> (given the generation it
    /// started in). The load runs without the caller's cancellation, since others may share it; each caller stops
    /// waiting when its own token fires.
    /// </summary>
    public Task<TValue> RunAsync(TKey key, Func<TKey, long, Task<TValue>> load, CancellationToken cancellationToken)
    {
        while (true)
        {
            var generation = Generation;
            var flight = _flights.GetOrAdd(key, static (_, g) => new Flight(g), generation);
            lock (flight)
            {
                if (flight.Generation != generation)
                {
                    // A load from before the latest invalidation: take its place.
                    _flights.TryUpdate(key, new Flight(generation), flight);
                    continue;
                }
                flight.Task ??= RunAndRemoveAsync(key, flight, load);
                return flight.Task.IsCompleted ? flight.Task : flight.Task.WaitAsync(cancellationToken);
            }
        }
    }

    private async Task<TValue> RunAndRemoveAsync(TKey key, Flight flight, Func<TKey, long, Task<TValue>> load)
    {
        try
        {
            await Task.Yield();
            return await load(key, flight.Generation);
        }
        finally
        {
            _flights.TryRemove(new KeyValuePair<TKey, Flight>(key, flight));
        }
    }
}
