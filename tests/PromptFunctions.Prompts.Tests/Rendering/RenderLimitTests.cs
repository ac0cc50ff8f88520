using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Tests.Rendering;

/// <summary>
/// Small templates that ask for far more than they are (issue 13, family 5) stop at the render limits, early: the
/// allocation a render makes is bounded by the limit, not by what the template asks for.
/// </summary>
public class RenderLimitTests
{
    private static PromptVersionContent Prompt(string template, string format = "mustache") =>
        PromptVersionJson.Parse(new JsonObject { ["template"] = template, ["template_format"] = format });

    private static PromptVersionContent Chat(string format, params string[] messages) =>
        PromptVersionJson.Parse(new JsonObject
        {
            ["template"] = new JsonArray(messages.Select(m => (JsonNode?)new JsonObject { ["role"] = "user", ["content"] = m }).ToArray()),
            ["template_format"] = format,
        });

    /// <summary>Runs <paramref name="render"/> and returns what it threw and how many bytes this thread allocated meanwhile.</summary>
    private static (RenderLimitException Error, long Allocated) Measure(Func<object> render)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<RenderLimitException>(render);
        return (error, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void F_string_widths_stop_at_the_output_limit_before_the_text_exists()
    {
        // 1,000 fields of width 100,000: a 12 KB template asking for 100 million characters (200 MB).
        var template = string.Concat(Enumerable.Repeat("{x:>100000}", 1000));

        var (error, allocated) = Measure(() => PromptRenderer.Render(Prompt(template, "f_string"), new JsonObject { ["x"] = "y" }));

        Assert.Equal(RenderLimitKind.Output, error.Kind);
        Assert.Equal(RenderLimits.DefaultMaxOutputChars, error.Limit);
        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Nested_mustache_sections_over_one_list_stop_at_the_work_limit_even_when_they_write_nothing()
    {
        // Five empty sections nested over a list of 100: ten billion iterations, no output at all.
        var template = "{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}";
        var variables = new JsonObject { ["l"] = new JsonArray(Enumerable.Range(0, 100).Select(i => (JsonNode?)i).ToArray()) };

        var error = Assert.Throws<RenderLimitException>(() => PromptRenderer.Render(Prompt(template), variables));

        Assert.Equal(RenderLimitKind.Work, error.Kind);
        Assert.Equal(RenderLimits.DefaultMaxWork, error.Limit);
        Assert.Contains("nested sections", error.Message);
    }

    [Fact]
    public void Nested_mustache_sections_that_write_stop_at_the_output_limit()
    {
        var template = "{{#l}}{{#l}}{{#l}}{{#l}}{{.}}{{/l}}{{/l}}{{/l}}{{/l}}";
        var variables = new JsonObject { ["l"] = new JsonArray(Enumerable.Range(0, 100).Select(i => (JsonNode?)$"item {i}").ToArray()) };

        var limits = new RenderLimits(100_000, RenderLimits.DefaultMaxWork);

        // A hundred million items to write; a few megabytes allocated before the limit stops it.
        var (error, allocated) = Measure(() => PromptRenderer.Render(Prompt(template), variables, limits));

        Assert.Equal(RenderLimitKind.Output, error.Kind);
        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_large_variable_repeated_stops_at_the_output_limit()
    {
        var big = new string('b', 1024 * 1024);
        var template = string.Concat(Enumerable.Repeat("{{big}}", 10));

        var error = Assert.Throws<RenderLimitException>(() => PromptRenderer.Render(Prompt(template), new JsonObject { ["big"] = big }));

        Assert.Equal(RenderLimitKind.Output, error.Kind);
    }

    [Fact]
    public void Conversions_that_produce_no_output_still_count_as_work()
    {
        // repr() of a 100,000-character string, cut to nothing by the precision, 2,000 times.
        var template = string.Concat(Enumerable.Repeat("{x!r:.0}", 2000));

        var error = Assert.Throws<RenderLimitException>(() =>
            PromptRenderer.Render(Prompt(template, "f_string"), new JsonObject { ["x"] = new string('x', 100_000) }));

        Assert.Equal(RenderLimitKind.Work, error.Kind);
    }

    [Fact]
    public void Variables_are_converted_once_per_render_however_many_messages_use_them()
    {
        var big = new JsonObject { ["big"] = new string('b', 1024 * 1024) };
        // 100 messages that each read the 1 MB variable without writing it: 100 MB of conversions if each message
        // converted it again, 1 MB once.
        var mustache = Chat("mustache", Enumerable.Repeat("{{#big}}{{/big}}.", 100).ToArray());
        var fString = Chat("f_string", Enumerable.Repeat("{big:.0}.", 100).ToArray());

        Assert.Equal(100, PromptRenderer.Render(mustache, big).Messages!.Count);
        Assert.Equal(100, PromptRenderer.Render(fString, big).Messages!.Count);
    }

    [Fact]
    public void The_limits_apply_to_the_whole_prompt_not_to_each_message()
    {
        var limits = new RenderLimits(1000, RenderLimits.DefaultMaxWork);
        var half = new string('h', 600);

        Assert.Single(PromptRenderer.Render(Chat("none", half), [], limits).Messages!);
        var error = Assert.Throws<RenderLimitException>(() => PromptRenderer.Render(Chat("none", half, half), [], limits));
        Assert.Equal(RenderLimitKind.Output, error.Kind);
        Assert.Equal(1000, error.Limit);
        Assert.Contains("1,000 characters", error.Message);
    }

    [Fact]
    public void Placeholders_count_towards_the_output_limit()
    {
        var content = PromptVersionJson.Parse(new JsonObject
        {
            ["template"] = new JsonArray(Enumerable.Range(0, 200).Select(_ => (JsonNode?)new JsonObject { ["type"] = "placeholder", ["name"] = "history" }).ToArray()),
        });
        var history = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new string('m', 50_000) });

        var error = Assert.Throws<RenderLimitException>(() => PromptRenderer.Render(content, new JsonObject { ["history"] = history }));

        Assert.Equal(RenderLimitKind.Output, error.Kind);
    }

    [Fact]
    public void A_prompt_within_the_limits_renders_as_before()
    {
        var big = new string('b', 1024 * 1024);

        var rendered = PromptRenderer.Render(Prompt("Context: {{doc}} Question: {{q}}"), new JsonObject { ["doc"] = big, ["q"] = "why?" });

        Assert.Equal($"Context: {big} Question: why?", rendered.Text);
    }

    [Fact]
    public void Integers_longer_than_python_converts_are_refused_as_python_refuses_them()
    {
        var engine = TemplateEngines.For(TemplateFormat.FString);
        var fits = JsonNode.Parse(new string('7', 4300))!;
        var tooLong = JsonNode.Parse("-" + new string('7', 4301))!;

        Assert.Equal(4300, engine.Render("{n}", new JsonObject { ["n"] = fits }).Text.Length);
        var error = Assert.Throws<TemplateSyntaxException>(() => engine.Render("{n:b}", new JsonObject { ["n"] = tooLong }));
        Assert.Equal("Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit", error.Message);
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public void Binary_formatting_of_the_largest_integer_is_linear()
    {
        // 4,300 decimal digits are about 14,300 bits; the digits are written once each.
        var engine = TemplateEngines.For(TemplateFormat.FString);
        var n = JsonNode.Parse("9" + new string('0', 4299))!;

        var text = engine.Render("{n:b}", new JsonObject { ["n"] = n }).Text;

        Assert.Equal(System.Numerics.BigInteger.Parse("9" + new string('0', 4299)).GetBitLength(), text.Length);
        Assert.StartsWith("1", text);
    }
}
