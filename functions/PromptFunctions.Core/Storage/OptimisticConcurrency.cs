using System.Net;
using Azure;
using Azure.Data.Tables;

namespace PromptFunctions.Core.Storage;

/// <summary>
/// The read-check-write loop every store uses: read the rows, decide, write them back guarded by the ETags just
/// read, and start over when another writer got in between. Conflicts are expected under load and are retried
/// with a short randomized back-off; only when the rows keep changing for <see cref="MaxAttempts"/> rounds does
/// the caller get <see cref="Exhausted"/>, which stores turn into their own "busy" outcome (503 with Retry-After)
/// instead of letting a storage exception escape.
/// </summary>
public static class OptimisticConcurrency
{
    public const int MaxAttempts = 200;

    /// <summary>How long a caller is told to wait after the attempts ran out.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>What one round decided: a final result, or that it lost a race and the loop should go again.</summary>
    public readonly record struct Round<T>(bool Done, T? Result)
    {
        public static Round<T> Retry => new(false, default);
    }

    public static Round<T> Finish<T>(T result) => new(true, result);

    /// <summary>
    /// Runs <paramref name="round"/> until it finishes, retrying it (with back-off) when it asks to or when it throws
    /// a storage conflict (412 on an ETag, 409 on a create). Returns <paramref name="exhausted"/>'s value when the
    /// attempts run out.
    /// </summary>
    public static async Task<T> RunAsync<T>(Func<int, Task<Round<T>>> round, Func<T> exhausted, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            try
            {
                var outcome = await round(attempt);
                if (outcome.Done) return outcome.Result!;
            }
            catch (Exception e) when (IsConflict(e))
            {
            }
            await BackOffAsync(attempt, cancellationToken);
        }
        return exhausted();
    }

    /// <summary>A write lost to a concurrent writer: a stale ETag, or a row someone else created first.</summary>
    public static bool IsConflict(Exception e) => e switch
    {
        TableTransactionFailedException t => t.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict,
        RequestFailedException r => r.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict,
        _ => false,
    };

    public static bool IsNotFound(Exception e) => e is RequestFailedException { Status: (int)HttpStatusCode.NotFound };

    /// <summary>A few milliseconds, growing with the attempt and randomized so that racing writers spread out.</summary>
    public static Task BackOffAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 2 + Math.Min(attempt, 20) * 2)), cancellationToken);
}
