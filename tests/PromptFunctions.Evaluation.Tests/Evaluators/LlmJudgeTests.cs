using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PromptFunctions.Evaluation.Evaluators;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Evaluation.Tests.Support;

namespace PromptFunctions.Evaluation.Tests.Evaluators;

public sealed class LlmJudgeTests
{
    private const string Spec = """{"type":"llm_judge","name":"helpful","rubric":"Is the answer correct and polite?","model":"judge-1","pass_threshold":0.7}""";
    private const string GoodAnswer = """{"score": 0.8, "label": "good", "explanation": "Correct and polite."}""";

    [Fact]
    public void A_well_formed_answer_gives_score_label_explanation_and_pass()
    {
        var judge = new ScriptedChatClient(GoodAnswer);
        var outcome = Evaluate.One(Spec, "Paris, of course!", "\"Paris\"", """{"question":"Capital of France?"}""", judge);

        Assert.Equal(new EvaluatorOutcome("helpful", "llm_judge", 0.8, true, "Correct and polite.", null, "good"), outcome);
        Evaluate.Failed(Evaluate.One(Spec, "x", null, null, new ScriptedChatClient("""{"score":0.69,"label":"meh"}""")), 0.69);
    }

    [Fact]
    public void The_request_carries_rubric_input_reference_and_response_as_delimited_data()
    {
        var judge = new ScriptedChatClient(GoodAnswer);
        Evaluate.One(Spec, "Paris, of course!", "\"Paris\"", """{"question":"Capital of France?"}""", judge);

        var (messages, options) = Assert.Single(judge.Calls);
        Assert.Equal([ChatRole.System, ChatRole.User], messages.Select(m => m.Role));
        Assert.Contains("only a JSON object", messages[0].Text);
        Assert.Equal("""
            <rubric>
            Is the answer correct and polite?
            </rubric>

            <input>
            {"question":"Capital of France?"}
            </input>

            <reference>
            Paris
            </reference>

            <response>
            Paris, of course!
            </response>
            """.ReplaceLineEndings("\n"), messages[1].Text);
        Assert.Equal("judge-1", options!.ModelId);
        Assert.Equal(0f, options.Temperature);
        Assert.Equal(512, options.MaxOutputTokens);
        var format = Assert.IsType<ChatResponseFormatJson>(options.ResponseFormat);
        Assert.Equal("judgement", format.SchemaName);
        Assert.Equal(["score", "label", "explanation"], format.Schema!.Value.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Input_and_reference_can_be_left_out_and_labels_constrain_the_answer_schema()
    {
        var judge = new ScriptedChatClient("""{"score":1,"label":"pass"}""");
        Evaluate.One("""{"type":"llm_judge","rubric":"R","use_input":false,"use_expected":false,"labels":["pass","fail"]}""", "out", "\"ref\"", "\"in\"", judge);

        var (messages, options) = Assert.Single(judge.Calls);
        Assert.DoesNotContain("<input>", messages[1].Text);
        Assert.DoesNotContain("<reference>", messages[1].Text);
        Assert.Contains("exactly one of: \"pass\", \"fail\"", messages[0].Text);
        var schema = ((ChatResponseFormatJson)options!.ResponseFormat!).Schema!.Value;
        Assert.Equal(["pass", "fail"], schema.GetProperty("properties").GetProperty("label").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task The_sent_request_is_exactly_the_exposed_one_and_is_the_same_every_time()
    {
        var judge = new ScriptedChatClient(GoodAnswer);
        var evaluator = (LlmJudgeEvaluator)EvaluatorSpecParser.ParseOne(JsonNode.Parse(Spec)).CreateEvaluator();
        var set = new EvaluatorSet([new RegisteredEvaluator(evaluator, "llm_judge")], judge);
        var input = JsonNode.Parse("""{"q":"2+2?"}""");

        await set.EvaluateAsync("4", input, JsonValue.Create("4"));
        await set.EvaluateAsync("4", input, JsonValue.Create("4"));
        var exposed = evaluator.BuildRequest("4", input, JsonValue.Create("4"));

        Assert.Equal(2, judge.Calls.Count);
        foreach (var (messages, options) in judge.Calls)
        {
            Assert.Equal(Serialize(exposed.Messages), Serialize(messages));
            Assert.Equal(Serialize(exposed.Options), Serialize(options));
        }
    }

    [Fact]
    public async Task A_response_cache_in_front_of_the_judge_serves_repeated_evaluations()
    {
        var judge = new ScriptedChatClient(GoodAnswer);
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        using var cached = new ChatClientBuilder(judge).UseDistributedCache(cache).Build();
        var set = EvaluatorSet.Create(EvaluatorSpecParser.Parse(JsonNode.Parse($"[{Spec}]")), cached);

        var first = await set.EvaluateAsync("Paris", JsonValue.Create("Capital?"), JsonValue.Create("Paris"));
        var second = await set.EvaluateAsync("Paris", JsonValue.Create("Capital?"), JsonValue.Create("Paris"));
        var other = await set.EvaluateAsync("Lyon", JsonValue.Create("Capital?"), JsonValue.Create("Paris"));

        Assert.Equal(first, second);
        Assert.Equal(2, judge.Calls.Count);
        Assert.Contains("Lyon", judge.Calls[1].Messages[1].Text);
        Assert.Equal(0.8, other.Single().Score);
    }

    [Theory]
    [InlineData("```json\n{\"score\": 0.8, \"label\": \"good\", \"explanation\": \"fine\"}\n```", 0.8, "good", "fine")]
    [InlineData("Here is my verdict: {\"score\": 0.25, \"label\": \"poor\", \"explanation\": \"wrong\"} Hope this helps!", 0.25, "poor", "wrong")]
    [InlineData("{\"verdict\": {\"score\": \"0.6\", \"label\": \"ok\"}}", 0.6, "ok", "")]
    [InlineData("{\"Score\": \"80%\", \"Label\": \"Good\", \"Reasoning\": \" mostly right \"}", 0.8, "Good", "mostly right")]
    [InlineData("{\"score\": 1, \"reason\": \"perfect\",}", 1.0, null, "perfect")]
    [InlineData("{not json} and then {\"score\": 0, \"label\": \"bad\"}", 0.0, "bad", "")]
    [InlineData("{\"score\": 0.5, \"label\": 3}", 0.5, "3", "")]
    [InlineData("{\"score\": 0.5, \"label\": \"\u00E9l\u00E8ve \uD83D\uDE00\", \"explanation\": \"\u65E5\u672C\"}", 0.5, "\u00E9l\u00E8ve \uD83D\uDE00", "\u65E5\u672C")]
    public void Answers_are_read_leniently_in_form(string text, double score, string? label, string explanation) =>
        Assert.Equal(new JudgeAnswer(score, label, explanation), JudgeAnswer.Parse(text));

    [Theory]
    [InlineData("", "returned no text")]
    [InlineData("   \n", "returned no text")]
    [InlineData("The answer looks good to me.", "no JSON object with a score")]
    [InlineData("{\"label\": \"good\", \"explanation\": \"no score\"}", "no JSON object with a score")]
    [InlineData("{\"score\": null}", "no JSON object with a score")]
    [InlineData("{\"score\": \"high\"}", "not a number")]
    [InlineData("{\"score\": [0.5]}", "an array, not a number")]
    [InlineData("{\"score\": 7, \"label\": \"good\"}", "outside [0, 1]")]
    [InlineData("{\"score\": -0.1}", "outside [0, 1]")]
    [InlineData("{\"score\": \"150%\"}", "outside [0, 1]")]
    [InlineData("{\"score\": 0.5, \"label\": [\"a\"]}", "label is an array")]
    [InlineData("{\"score\": 0.5, \"score\": 0.6}", "no JSON object with a score")]
    public void Malformed_answers_are_errors_not_scores(string text, string fragment)
    {
        var error = Assert.Throws<EvaluationFailedException>(() => JudgeAnswer.Parse(text));
        Assert.Contains(fragment, error.Message);
        Evaluate.Errored(Evaluate.One(Spec, "output", null, null, new ScriptedChatClient(text)), fragment);
    }

    [Fact]
    public void Configured_labels_are_enforced_and_reported_as_configured()
    {
        Assert.Equal("pass", JudgeAnswer.Parse("""{"score":1,"label":"PASS"}""", ["pass", "fail"]).Label);
        Assert.Contains("'maybe' is not one of pass, fail",
            Assert.Throws<EvaluationFailedException>(() => JudgeAnswer.Parse("""{"score":1,"label":"maybe"}""", ["pass", "fail"])).Message);
        Assert.Contains("gave no label",
            Assert.Throws<EvaluationFailedException>(() => JudgeAnswer.Parse("""{"score":1}""", ["pass", "fail"])).Message);
    }

    [Fact]
    public async Task Without_a_chat_client_the_judge_reports_an_error()
    {
        var evaluator = new LlmJudgeEvaluator(new LlmJudgeSpec("judge", "R"));
        var result = await evaluator.EvaluateAsync([], new ChatResponse(new ChatMessage(ChatRole.Assistant, "out")));
        var outcome = EvaluatorSet.ToOutcome(result.Metrics["judge"], new RegisteredEvaluator(evaluator, "llm_judge"));

        Evaluate.Errored(outcome, "needs a chat client");
        Assert.Throws<ArgumentException>(() => EvaluatorSet.Create([new LlmJudgeSpec("judge", "R")]));
    }

    [Fact]
    public void A_judge_that_throws_yields_an_error_outcome()
    {
        var judge = new ScriptedChatClient((_, _) => throw new HttpRequestException("judge unreachable"));
        Evaluate.Errored(Evaluate.One(Spec, "out", null, null, judge), "judge unreachable");
    }

    [Fact]
    public async Task Cancelling_the_evaluation_cancels_rather_than_recording_errors()
    {
        var set = EvaluatorSet.Create(EvaluatorSpecParser.Parse(JsonNode.Parse($"[{Spec}]")), new ScriptedChatClient(GoodAnswer));
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => set.EvaluateAsync("out", null, null, cancellation.Token));
    }

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions);
}
