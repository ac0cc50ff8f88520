using Cronos;

namespace PromptFunctions.Core.Suites;

/// <summary>CRON schedules through Cronos (five fields, or macros such as <c>@daily</c>), in a named time zone.</summary>
public static class SuiteCron
{
    public const string Utc = "UTC";

    /// <summary>The parsed expression, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static CronExpression? TryParse(string text, out string? error)
    {
        try
        {
            error = null;
            return CronExpression.Parse(text, CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>An IANA id (<c>Europe/Paris</c>) or a Windows id; null when this machine knows neither.</summary>
    public static TimeZoneInfo? FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    /// <summary>
    /// The latest occurrence after <paramref name="handled"/> and at or before <paramref name="now"/>, or null. Only the
    /// latest: occurrences missed while no host was ticking collapse into one run.
    /// </summary>
    public static DateTimeOffset? LatestDue(string cron, string zone, DateTimeOffset handled, DateTimeOffset now)
    {
        if (TryParse(cron, out _) is not { } expression || FindZone(zone) is not { } timeZone || now <= handled) return null;
        DateTimeOffset? latest = null;
        var from = handled;
        // Walk forward in occurrences; a long outage with a one-minute schedule is a few thousand steps.
        while (expression.GetNextOccurrence(from, timeZone) is { } next && next <= now)
        {
            latest = next;
            from = next;
        }
        return latest;
    }

    public static DateTimeOffset? Next(string cron, string zone, DateTimeOffset after) =>
        TryParse(cron, out _) is { } expression && FindZone(zone) is { } timeZone ? expression.GetNextOccurrence(after, timeZone) : null;
}
