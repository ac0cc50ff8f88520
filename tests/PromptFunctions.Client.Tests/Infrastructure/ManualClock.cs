namespace PromptFunctions.Client.Tests.Infrastructure;

/// <summary>
/// The system clock plus an offset that tests move forward. Only clock reads move: timers still run in real
/// time, so the resilience pipeline's timeouts and retry delays behave as they do in production.
/// </summary>
public sealed class ManualClock : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    private TimeSpan Offset => TimeSpan.FromTicks(Volatile.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public override long GetTimestamp() => System.GetTimestamp() + (long)(Offset.TotalSeconds * TimestampFrequency);
}
