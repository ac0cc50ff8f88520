using Microsoft.Extensions.DependencyInjection;

namespace PromptFunctions.Core.Compatibility.Langfuse;

public static class LangfuseServiceCollectionExtensions
{
    /// <summary>The Langfuse prompt API over the prompt hub (needs <c>AddPrompts</c>); it has no settings of its own.</summary>
    public static IServiceCollection AddLangfuse(this IServiceCollection services) => services.AddSingleton<LangfuseApi>();
}
