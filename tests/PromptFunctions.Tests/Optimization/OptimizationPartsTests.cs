using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Optimization;
using PromptFunctions.Prompts.Model;
using StandardWebhooks;

namespace PromptFunctions.Tests.Optimization;

/// <summary>The loop's parts on their own: signature checks against an independent implementation, candidate checks, the split.</summary>
public sealed class OptimizationPartsTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static StandardWebhookVerifier Verifier(params string[] secrets) =>
        new(Options.Create(new OptimizeHookOptions { Secrets = [.. secrets] }), new FixedClock(Now));

    private static HeaderDictionary Headers(string id, DateTimeOffset at, string signature) => new()
    {
        ["webhook-id"] = id,
        ["webhook-timestamp"] = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["webhook-signature"] = signature,
    };

    [Fact]
    public void Signatures_made_by_the_reference_library_verify_and_anything_changed_does_not()
    {
        var secret = OptimizationHostsFixture.Secret;
        const string payload = """{"prompt":{"name":"p"},"note":"ünïcode ✓"}""";
        var signature = new StandardWebhook(secret).Sign("msg_1", Now, payload);
        Assert.StartsWith("v1,", signature);
        var body = Encoding.UTF8.GetBytes(payload);

        Assert.Equal(new WebhookVerification.Verified("msg_1"), Verifier(secret).Verify(Headers("msg_1", Now, signature), body));
        // Rotation: the signing secret is the second of two, and several signatures may be sent at once.
        Assert.IsType<WebhookVerification.Verified>(Verifier(OptimizationHostsFixture.NextSecret, secret).Verify(Headers("msg_1", Now, "v1,AAAA " + signature), body));

        Assert.IsType<WebhookVerification.Refused>(Verifier(secret).Verify(Headers("msg_2", Now, signature), body));
        Assert.IsType<WebhookVerification.Refused>(Verifier(secret).Verify(Headers("msg_1", Now.AddSeconds(1), signature), body));
        Assert.IsType<WebhookVerification.Refused>(Verifier(secret).Verify(Headers("msg_1", Now, signature), Encoding.UTF8.GetBytes(payload + " ")));
        Assert.IsType<WebhookVerification.Refused>(Verifier(OptimizationHostsFixture.NextSecret).Verify(Headers("msg_1", Now, signature), body));
        Assert.IsType<WebhookVerification.Refused>(Verifier(secret).Verify(Headers("msg_1", Now, signature.Replace("v1,", "v2,", StringComparison.Ordinal)), body));
        Assert.IsType<WebhookVerification.Refused>(Verifier().Verify(Headers("msg_1", Now, signature), body));
    }

    [Fact]
    public void Timestamps_outside_the_tolerance_are_refused_even_when_the_signature_matches()
    {
        var secret = OptimizationHostsFixture.Secret;
        foreach (var (offset, accepted) in new[] { (-299, true), (299, true), (-301, false), (301, false) })
        {
            var at = Now.AddSeconds(offset);
            var signature = new StandardWebhook(secret).Sign("msg_t", at, "{}");
            var result = Verifier(secret).Verify(Headers("msg_t", at, signature), "{}"u8);
            Assert.Equal(accepted, result is WebhookVerification.Verified);
        }
    }

    [Theory]
    [InlineData("whsec_", "holds a key of 0 bytes")]
    [InlineData("secret", "must start with 'whsec_'")]
    [InlineData("whsec_not base64!", "is not 'whsec_' followed by base64")]
    [InlineData("whsec_AAAA", "holds a key of 3 bytes")]
    public void Secrets_that_break_the_specification_are_named_without_being_quoted(string secret, string error)
    {
        var result = new OptimizeHookOptionsValidator().Validate(null, new OptimizeHookOptions { Secrets = ["whsec_" + Convert.ToBase64String(new byte[32]), secret] });
        Assert.True(result.Failed);
        Assert.Contains($"Hooks:Optimize:Secrets:1 {error}", result.FailureMessage);
        if (secret.Length > 6) Assert.DoesNotContain(secret, result.FailureMessage);
    }

    private static readonly PromptVersionContent Current = PromptVersionJson.Parse(new JsonObject
    {
        ["template"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = "Route tickets." },
            new JsonObject { ["role"] = "user", ["content"] = "Ticket ({{category}}): {{question}}" }),
        ["invocation_parameters"] = new JsonObject { ["temperature"] = 0 },
    });

    private static string Reply(params JsonNode[] candidates) => new JsonObject { ["candidates"] = new JsonArray(candidates) }.ToJsonString();

    private static JsonObject Candidate(string system, string user = "Ticket ({{category}}): {{question}}", string rationale = "why") => new()
    {
        ["template"] = new JsonArray(new JsonObject { ["role"] = "system", ["content"] = system }, new JsonObject { ["role"] = "user", ["content"] = user }),
        ["rationale"] = rationale,
    };

    [Fact]
    public void Candidates_may_change_only_the_template_and_must_keep_its_variables_and_syntax()
    {
        var withModel = Candidate("Route tickets well.");
        withModel["model"] = new JsonObject { ["provider"] = "openai", ["name"] = "bigger" };
        var stringTemplate = new JsonObject { ["template"] = "Route {{category}} {{question}}", ["rationale"] = "flat" };
        var checks = CandidateValidation.Read(Reply(
            Candidate("Route tickets carefully."),
            Candidate("Route tickets.", "Ticket: {{question}}"),
            Candidate("Route tickets.", "Ticket ({{category}}, {{customer}}): {{question}}"),
            Candidate("Route tickets {{#open}}.", "Ticket ({{category}}): {{question}}"),
            withModel,
            stringTemplate,
            Candidate("Route tickets carefully."),
            Candidate("Route tickets."),
            Candidate("One too many.")), Current, max: 8, out var error)!;

        Assert.Null(error);
        Assert.Null(checks[0].Rejected);
        Assert.Equal(PromptVersionJson.ComputeId(checks[0].Content!), checks[0].ContentId);
        // Only the template changed: the candidate keeps the version's parameters.
        Assert.Equal(0, checks[0].Content!.InvocationParameters["temperature"]!.GetValue<double>());
        Assert.Contains("drops the variable(s) category", checks[1].Rejected);
        Assert.Contains("adds the variable(s) customer", checks[2].Rejected);
        Assert.Contains("syntax error", checks[3].Rejected);
        Assert.Contains("changes 'model'; only the template may change", checks[4].Rejected);
        Assert.Contains("must be a list of messages", checks[5].Rejected);
        Assert.Equal("identical to candidate 0", checks[6].Rejected);
        Assert.Equal("identical to the current version", checks[7].Rejected);
        Assert.Equal("beyond candidates_per_round (8)", checks[8].Rejected);
        Assert.All(checks.Skip(1), c => Assert.Null(c.ContentId));
    }

    [Theory]
    [InlineData("not json at all", "is not JSON")]
    [InlineData("""{"answers": []}""", "is not {\"candidates\": [...]}")]
    [InlineData("""{"candidates": [], "big": 1e400}""", "does not accept")]
    public void A_reply_that_is_not_the_requested_json_is_an_error_of_the_round(string reply, string expected)
    {
        Assert.Null(CandidateValidation.Read(reply, Current, 3, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void A_reply_in_a_code_fence_is_read_and_the_schema_matches_the_template_form()
    {
        var checks = CandidateValidation.Read("```json\n" + Reply(Candidate("Route tickets carefully.")) + "\n```", Current, 3, out var error);
        Assert.Null(error);
        Assert.Null(checks![0].Rejected);

        var (schema, strict) = CandidateValidation.ReplySchema(Current);
        Assert.True(strict);
        Assert.Equal("array", schema["properties"]!["candidates"]!["items"]!["properties"]!["template"]!["type"]!.GetValue<string>());
        var text = PromptVersionJson.Parse(new JsonObject { ["template"] = "Say {{x}}" });
        Assert.Equal("string", CandidateValidation.ReplySchema(text).Schema["properties"]!["candidates"]!["items"]!["properties"]!["template"]!["type"]!.GetValue<string>());
        Assert.Equal("{{category}}, {{question}}", CandidateValidation.VariablesText(Current));
    }

    [Fact]
    public void The_seeded_split_depends_only_on_the_seed_and_each_examples_own_id()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => $"example-{i}").ToList();
        var chosen = ids.Where(id => OptimizationExamples.Unit(7, id) < 0.25).ToHashSet();
        Assert.InRange(chosen.Count, 400, 600);
        // Adding examples never moves existing ones; another seed is another split.
        var more = ids.Concat(Enumerable.Range(0, 500).Select(i => $"new-{i}")).Where(id => OptimizationExamples.Unit(7, id) < 0.25).ToHashSet();
        Assert.True(chosen.IsSubsetOf(more));
        Assert.NotEqual(chosen, ids.Where(id => OptimizationExamples.Unit(8, id) < 0.25).ToHashSet());
        Assert.Equal(OptimizationIds.ForKey("hook:optimize:msg_1"), OptimizationIds.ForKey("hook:optimize:msg_1"));
        Assert.True(OptimizationIds.IsValid(OptimizationIds.ForKey("x")));
    }
}
