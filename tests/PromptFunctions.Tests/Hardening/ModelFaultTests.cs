using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Experiments;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Hardening;

/// <summary>
/// Issue 13, model faults: an experiment against a model that fails the way real ones do (5xx, hung calls, 429 with
/// Retry-After, bodies that are not completions) completes; transient faults are retried, the rest are recorded on
/// their rows with what went wrong, and every row is there exactly once. Which example meets which fault is fixed
/// by its number, so each run sees the same mix.
/// </summary>
public sealed class ModelFaultTests
{
    private const int Examples = 100;
    private const int MaxRetries = 3;

    private enum Fault
    {
        None,
        ServerErrorTwice,
        ServerErrorAlways,
        HangOnce,
        RateLimitedOnce,
        NotJson,
        CutShort,
    }

    // 10 % 5xx (half recover), 5 % hung calls, 10 % 429 with Retry-After, 5 % malformed bodies.
    private static Fault FaultOf(int i) => (i % 20) switch
    {
        1 => Fault.ServerErrorTwice,
        11 => Fault.ServerErrorAlways,
        3 => Fault.HangOnce,
        5 or 15 => Fault.RateLimitedOnce,
        7 => i % 40 == 7 ? Fault.NotJson : Fault.CutShort,
        _ => Fault.None,
    };

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task An_experiment_against_a_faulty_model_completes_with_every_row_once_and_each_failure_recorded(string kind)
    {
        var attempts = new ConcurrentDictionary<int, ConcurrentQueue<long>>();
        StubReply Respond(StubRequest request)
        {
            var text = request.LastUserText;
            if (!text.StartsWith("echo: q", StringComparison.Ordinal)) return StubModelServer.DefaultResponder(request);
            var i = int.Parse(text["echo: q".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var seen = attempts.GetOrAdd(i, _ => new ConcurrentQueue<long>());
            seen.Enqueue(Stopwatch.GetTimestamp());
            var attempt = seen.Count;
            return FaultOf(i) switch
            {
                Fault.ServerErrorTwice when attempt <= 2 => StubReply.Error(attempt == 1 ? 500 : 502),
                Fault.ServerErrorAlways => StubReply.Error(503),
                Fault.HangOnce when attempt == 1 => StubReply.Hang(TimeSpan.FromSeconds(30)),
                Fault.RateLimitedOnce when attempt == 1 => StubReply.RateLimited(1),
                Fault.NotJson => StubReply.Malformed("<html>gateway says no</html>"),
                Fault.CutShort => StubReply.Malformed("""{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis"""),
                _ => StubModelServer.DefaultResponder(request),
            };
        }
        await using var host = await ExperimentTestHost.StartAsync(kind, Respond, settings: new Dictionary<string, string?>
        {
            // Per attempt: long enough that a healthy call on a loaded 2-core CI machine never times out (a 1 s timeout
            // once retried a healthy row), short enough that the hung calls' retries come soon.
            ["Models:stub:TimeoutSeconds"] = "5",
            ["Models:stub:MaxRetries"] = MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Models:stub:RetryBaseDelayMilliseconds"] = "10",
        });
        await host.Api.CreateVersionAsync("faulty", new JsonObject
        {
            ["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "echo: {{question}}" }),
            ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
        });
        await host.UploadAsync("faults", Enumerable.Range(0, Examples).Select(i => new JsonObject { ["input"] = new JsonObject { ["question"] = $"q{i}" }, ["expected"] = $"q{i}" }));

        var started = await host.StartAsync(new JsonObject
        {
            ["prompt"] = ExperimentTestHost.Prompt("faulty"),
            ["dataset"] = new JsonObject { ["name"] = "faults" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
            ["max_concurrency"] = 10,
        });
        var done = await host.WaitAsync(started["id"]!.GetValue<string>(), TimeSpan.FromMinutes(3));

        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(Examples, done["progress"]!["done"]!.GetValue<int>());
        Assert.Equal(Examples, done["progress"]!["total"]!.GetValue<int>());
        var rows = await host.RowsAsync(done["id"]!.GetValue<string>());
        // Every row once: no example lost, none written twice.
        Assert.Equal(Enumerable.Range(0, Examples).Select(i => (long)i), rows.Select(r => r["index"]!.GetValue<long>()).Order());

        foreach (var row in rows)
        {
            var i = (int)row["index"]!.GetValue<long>();
            var fault = FaultOf(i);
            var error = row["error"]?.GetValue<string>();
            var calls = attempts[i].Count;
            switch (fault)
            {
                case Fault.ServerErrorAlways:
                    Assert.Contains("503", error);
                    Assert.Equal(1 + MaxRetries, calls);
                    break;
                case Fault.NotJson or Fault.CutShort:
                    // Not transient: recorded at once, with what went wrong, and not retried.
                    Assert.False(string.IsNullOrWhiteSpace(error), $"row {i} ({fault}) has no error");
                    Assert.Null(row["output"]);
                    Assert.Equal(1, calls);
                    break;
                default:
                    Assert.True(error is null, $"row {i} ({fault}) failed: {error}");
                    Assert.Equal($"q{i}", row["output"]!.GetValue<string>());
                    var expected = fault switch { Fault.ServerErrorTwice => 3, Fault.HangOnce or Fault.RateLimitedOnce => 2, _ => 1 };
                    var at = attempts[i].Select(t => Stopwatch.GetElapsedTime(attempts[i].First(), t).TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture));
                    Assert.True(expected == calls, $"row {i} ({fault}) took {calls} calls, expected {expected}; attempts at {string.Join(", ", at)} ms");
                    break;
            }
            if (fault == Fault.RateLimitedOnce)
            {
                // The retry waited the second the 429 asked for; the backoff alone is about 10 ms.
                var times = attempts[i].ToArray();
                var waited = Stopwatch.GetElapsedTime(times[0], times[1]);
                Assert.True(waited >= TimeSpan.FromMilliseconds(990), $"row {i} was retried {waited.TotalMilliseconds:0} ms after a 429 with Retry-After: 1");
            }
        }
        Assert.Equal(10, rows.Count(r => r["error"] is not null));
    }
}
