using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PromptFunctions.Core.Durable;

/// <summary>
/// Wakes a <see cref="SignalledPassService"/> at once. Raising it while a wake-up is already pending does nothing: the
/// next pass sees everything that was raised before it. Each kind of pass has its own sealed subtype, so the services
/// that raise one and the loop that waits on it get the same singleton.
/// </summary>
public abstract class CoalescingSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Raise()
    {
        if (_signal.CurrentCount > 0) return;
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Raised by another thread in between: one pending wake-up is all there is.
        }
    }

    /// <summary>Completes when raised or after <paramref name="timeout"/>, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// The local host's loop for work the Functions app does on a timer: a pass at start, at once when its signal is raised
/// by something in this process, else every <paramref name="interval"/> for work other processes left. A failed pass
/// (storage or the engine not ready yet) is logged and the next one retries; stopping leaves what was not handed over
/// in storage for the next start.
/// </summary>
public abstract partial class SignalledPassService(CoalescingSignal signal, DurableTaskClient durable, TimeSpan interval, ILogger logger) : BackgroundService
{
    /// <summary>What the pass does, for its log line ("Webhook dispatch").</summary>
    protected abstract string PassName { get; }

    protected abstract Task PassAsync(DurableTaskClient durable, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PassAsync(durable, stoppingToken);
            }
            catch (Exception e)
            {
                if (stoppingToken.IsCancellationRequested) return;
                LogPassFailed(logger, e, PassName);
            }
            try
            {
                await signal.WaitAsync(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Pass} pass failed; the next one retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception, string pass);
}
