using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Auth;

/// <summary>A token bucket: <see cref="RequestsPerSecond"/> refill, up to <see cref="Burst"/> at once.</summary>
public sealed class RoleRateLimit
{
    [Range(0.001, 1_000_000)]
    public double RequestsPerSecond { get; set; }

    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 1;
}

/// <summary>
/// Requests per key, by role (<c>RateLimits:Roles:{read|write|promote|admin}</c>). A key is limited by the entry of
/// its strongest role that has one (admin, promote, write, read); a role without an entry, and so every key by
/// default, is not limited.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public Dictionary<string, RoleRateLimit> Roles { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    private static readonly string[] Known = ["read", "write", "promote", "admin"];

    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var failures = new List<string>();
        foreach (var (role, limit) in options.Roles)
        {
            if (!Known.Contains(role, StringComparer.OrdinalIgnoreCase)) failures.Add($"RateLimits:Roles:{role} is not a role (read, write, promote, admin)");
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(limit, new ValidationContext(limit), results, validateAllProperties: true))
                failures.AddRange(results.Select(r => $"RateLimits:Roles:{role}: {r.ErrorMessage}"));
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// One token bucket per key, held in memory by each instance (so a scaled-out app allows its instance count times
/// the rate). A request over the limit is a 429 with <c>Retry-After</c>, before its handler runs.
/// </summary>
public sealed class KeyRateLimiter(IOptions<RateLimitOptions> options, TimeProvider clock)
{
    private static readonly (ApiRoles Role, string Name)[] Strongest =
        [(ApiRoles.Admin, "admin"), (ApiRoles.Promote, "promote"), (ApiRoles.Write, "write"), (ApiRoles.Read, "read")];

    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);

    /// <exception cref="ProblemException">429: the key used up its requests for now.</exception>
    public void Require(ApiPrincipal principal)
    {
        if (options.Value.Roles.Count == 0) return;
        var limit = LimitOf(principal);
        if (limit is null) return;
        var bucket = _buckets.GetOrAdd(principal.Name, static (_, state) => new TokenBucket(state.limit, state.clock), (limit, clock));
        if (bucket.TryTake(out var wait)) return;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        throw new ProblemException(429, "Too many requests",
            $"Key '{principal.Name}' is limited to {limit.RequestsPerSecond:0.###} requests per second (bursts of {limit.Burst}); retry in {seconds} s.")
        {
            Headers = new Dictionary<string, string> { ["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
    }

    private RoleRateLimit? LimitOf(ApiPrincipal principal)
    {
        foreach (var (role, name) in Strongest)
        {
            if ((principal.Roles & role) != 0 && options.Value.Roles.TryGetValue(name, out var limit)) return limit;
        }
        return null;
    }

    /// <summary>
    /// A bucket refilled from elapsed time on each take, under a lock: one small critical section per request, and
    /// no timer (System.Threading.RateLimiting's buckets replenish on a timer that a TimeProvider cannot drive).
    /// </summary>
    private sealed class TokenBucket(RoleRateLimit limit, TimeProvider clock)
    {
        private readonly Lock _gate = new();
        private double _tokens = limit.Burst;
        private long _updated = clock.GetTimestamp();

        public bool TryTake(out TimeSpan wait)
        {
            lock (_gate)
            {
                var now = clock.GetTimestamp();
                _tokens = Math.Min(limit.Burst, _tokens + clock.GetElapsedTime(_updated, now).TotalSeconds * limit.RequestsPerSecond);
                _updated = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    wait = TimeSpan.Zero;
                    return true;
                }
                wait = TimeSpan.FromSeconds((1 - _tokens) / limit.RequestsPerSecond);
                return false;
            }
        }
    }
}
