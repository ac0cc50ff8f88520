using System.Globalization;

namespace PromptFunctions.Evaluation.Evaluators;

/// <summary>
/// Stops running a pattern that keeps timing out. A pattern that backtracks catastrophically on one output usually
/// does on the next ones too, and an experiment of 100,000 rows would spend its timeout on each of them: unbounded
/// time for one evaluator. After <see cref="MaxTimeouts"/> timeouts, every further output of the same evaluator
/// instance (one per experiment run and process) gets an error at once. Thread-safe: rows are scored in parallel.
/// </summary>
internal sealed class TimeoutBreaker
{
    public const int MaxTimeouts = 3;

    private int _timeouts;

    public bool IsOpen => Volatile.Read(ref _timeouts) >= MaxTimeouts;

    public void Record() => Interlocked.Increment(ref _timeouts);

    public EvaluationFailedException Refusal(string what) => new(string.Create(CultureInfo.InvariantCulture,
        $"{what} timed out on {MaxTimeouts} outputs of this run already, so it is no longer run; fix the pattern (nested repetition such as (a+)+ backtracks exponentially) and run again"));
}
