namespace PromptFunctions.Core.Suites;

// Storage conditions surface here as domain results, never as exceptions. Every write can end in Busy: the rows
// kept changing under it until the optimistic attempts ran out (the API answers 503 with Retry-After).

/// <summary>The caller's expectation of a suite's current state, from <c>If-Match</c> or <c>If-None-Match: *</c>.</summary>
public abstract record SuitePrecondition
{
    public static readonly SuitePrecondition None = new NoneCondition();
    public static readonly SuitePrecondition Exists = new ExistsCondition();
    public static readonly SuitePrecondition Absent = new AbsentCondition();

    public static SuitePrecondition Matches(params string[] etags) => new MatchesCondition(etags);

    public sealed record NoneCondition : SuitePrecondition;

    public sealed record ExistsCondition : SuitePrecondition;

    public sealed record AbsentCondition : SuitePrecondition;

    /// <summary>Holds when the suite's entity tag is one of <paramref name="ETags"/> (an If-Match list).</summary>
    public sealed record MatchesCondition(IReadOnlyCollection<string> ETags) : SuitePrecondition;

    internal bool HoldsFor(string? currentETag) => this switch
    {
        NoneCondition => true,
        ExistsCondition => currentETag is not null,
        AbsentCondition => currentETag is null,
        MatchesCondition m => currentETag is not null && m.ETags.Contains(currentETag),
        _ => false,
    };
}

/// <summary>What saving a suite did.</summary>
public abstract record PutSuiteOutcome
{
    public sealed record Created(SuiteRecord Suite) : PutSuiteOutcome;

    /// <param name="Changed">False when the stored definition was already identical.</param>
    public sealed record Replaced(SuiteRecord Suite, bool Changed) : PutSuiteOutcome;

    /// <summary>The precondition did not hold; <paramref name="CurrentETag"/> is the suite's tag now (null: no suite).</summary>
    public sealed record PreconditionFailed(string? CurrentETag) : PutSuiteOutcome;

    public sealed record Busy : PutSuiteOutcome;
}

/// <summary>What deleting a suite did.</summary>
public abstract record DeleteSuiteOutcome
{
    public sealed record Deleted : DeleteSuiteOutcome;

    public sealed record NotFound : DeleteSuiteOutcome;

    public sealed record PreconditionFailed(string CurrentETag) : DeleteSuiteOutcome;

    public sealed record Busy : DeleteSuiteOutcome;
}

/// <summary>What a suite run status transition did.</summary>
public abstract record SuiteRunTransition
{
    public sealed record Changed(SuiteRunRecord Run) : SuiteRunTransition;

    public sealed record NotFound : SuiteRunTransition;

    public sealed record WrongStatus(string Status) : SuiteRunTransition;

    public sealed record Busy : SuiteRunTransition;
}
