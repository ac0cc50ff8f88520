using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Tests.Templating;

public class TemplateEnginesTests
{
    [Theory]
    [InlineData(TemplateFormat.Mustache, typeof(MustacheTemplateEngine))]
    [InlineData(TemplateFormat.FString, typeof(FStringTemplateEngine))]
    [InlineData(TemplateFormat.None, typeof(NoneTemplateEngine))]
    public void Each_format_has_one_shared_engine(TemplateFormat format, Type engineType)
    {
        var engine = TemplateEngines.For(format);

        Assert.IsType(engineType, engine);
        Assert.Equal(format, engine.Format);
        Assert.Same(engine, TemplateEngines.For(format));
    }

    [Fact]
    public void An_unknown_format_is_an_argument_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TemplateEngines.For((TemplateFormat)42));
    }

    [Fact]
    public void The_none_engine_uses_the_text_verbatim()
    {
        var engine = TemplateEngines.For(TemplateFormat.None);
        const string text = "{{name}} {name} {";

        var result = engine.Render(text, new JsonObject { ["name"] = "x" });

        Assert.Equal(text, result.Text);
        Assert.Empty(result.MissingVariables);
        Assert.Empty(engine.GetVariables(text));
    }

    [Fact]
    public void Engines_can_be_used_from_many_threads_at_once()
    {
        var mustache = TemplateEngines.For(TemplateFormat.Mustache);
        var fString = TemplateEngines.For(TemplateFormat.FString);

        Parallel.For(0, 200, i =>
        {
            var variables = new JsonObject { ["i"] = i, ["items"] = new JsonArray(1, 2) };
            Assert.Equal($"{i}:12", mustache.Render("{{i}}:{{#items}}{{.}}{{/items}}", variables).Text);
            Assert.Equal($"{i:000}", fString.Render("{i:03d}", variables).Text);
        });
    }
}
