namespace PromptFunctions.Prompts.Templating;

/// <summary>The engine for each <see cref="TemplateFormat"/>. Engines are stateless, so one instance of each is shared.</summary>
public static class TemplateEngines
{
    private static readonly ITemplateEngine Mustache = new MustacheTemplateEngine();
    private static readonly ITemplateEngine FString = new FStringTemplateEngine();
    private static readonly ITemplateEngine None = new NoneTemplateEngine();

    public static ITemplateEngine For(TemplateFormat format) => format switch
    {
        TemplateFormat.Mustache => Mustache,
        TemplateFormat.FString => FString,
        TemplateFormat.None => None,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown template format."),
    };
}
