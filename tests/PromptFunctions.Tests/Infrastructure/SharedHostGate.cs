namespace PromptFunctions.Tests.Infrastructure;

/// <summary>
/// Lets test classes that run in parallel share one host and its storage, while a test that compares storage
/// snapshots still sees only its own writes. Requests and running experiments hold the gate shared; a quiet
/// section holds it alone, so nothing else writes between its "before" and "after". Requests sent from inside a
/// quiet section (the same async flow) pass straight through.
/// </summary>
/// <remarks>
/// Shared holders never wait for a waiting quiet section (no writer preference): a test holding the gate for a
/// running experiment still sends requests, and those must not queue behind a section that waits for it. With at
/// most a couple of test classes running at once, a quiet section finds a moment with no holder quickly.
/// </remarks>
public sealed class SharedHostGate
{
    private static readonly AsyncLocal<QuietSection?> Current = new();

    private readonly object _lock = new();
    private int _shared;
    private bool _quiet;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Held around one request, unless the calling flow is inside this gate's quiet section.</summary>
    public async Task<IDisposable> EnterRequestAsync()
    {
        if (Current.Value is { Active: true } section && section.Gate == this) return NoHold.Instance;
        return await HoldAsync();
    }

    /// <summary>Held while something may write in the background (an experiment that is running).</summary>
    public async Task<IDisposable> HoldAsync()
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (!_quiet)
                {
                    _shared++;
                    return new Release(() => Change(() => _shared--));
                }
                wait = _changed.Task;
            }
            await wait;
        }
    }

    /// <summary>
    /// Waits until no request or experiment holds the gate, then keeps every other flow out until disposed.
    /// Not async on purpose: the section is recorded in the caller's flow before the wait, so the caller's own
    /// requests pass. <paramref name="suspended"/> is a hold of the caller's that is given up meanwhile.
    /// </summary>
    public Task<IAsyncDisposable> QuietAsync(SuspendableHold? suspended = null)
    {
        var section = new QuietSection(this);
        Current.Value = section;
        return EnterQuietAsync(section, suspended);
    }

    private async Task<IAsyncDisposable> EnterQuietAsync(QuietSection section, SuspendableHold? suspended)
    {
        if (suspended is not null) suspended.Suspend();
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (!_quiet && _shared == 0)
                {
                    _quiet = true;
                    section.Active = true;
                    return new AsyncRelease(async () =>
                    {
                        section.Active = false;
                        Change(() => _quiet = false);
                        if (suspended is not null) await suspended.ResumeAsync();
                    });
                }
                wait = _changed.Task;
            }
            await wait;
        }
    }

    private void Change(Action change)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            change();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.SetResult();
    }

    private sealed class QuietSection(SharedHostGate gate)
    {
        public SharedHostGate Gate { get; } = gate;
        public volatile bool Active;
    }

    private sealed class NoHold : IDisposable
    {
        public static readonly NoHold Instance = new();
        public void Dispose() { }
    }

    private sealed class Release(Action release) : IDisposable
    {
        private int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) release();
        }
    }

    private sealed class AsyncRelease(Func<Task> release) : IAsyncDisposable
    {
        private int _done;
        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) await release();
        }
    }

    /// <summary>A long hold (an experiment test's) that its own quiet section can give up and take back.</summary>
    public sealed class SuspendableHold(SharedHostGate gate) : IAsyncDisposable
    {
        private IDisposable? _hold;

        public static async Task<SuspendableHold> TakeAsync(SharedHostGate gate)
        {
            var hold = new SuspendableHold(gate);
            await hold.ResumeAsync();
            return hold;
        }

        internal void Suspend() => Interlocked.Exchange(ref _hold, null)?.Dispose();

        internal async Task ResumeAsync() => _hold = await gate.HoldAsync();

        public ValueTask DisposeAsync()
        {
            Suspend();
            return ValueTask.CompletedTask;
        }
    }
}
