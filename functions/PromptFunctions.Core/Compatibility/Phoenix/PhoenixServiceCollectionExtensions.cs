using Microsoft.Extensions.DependencyInjection;

namespace PromptFunctions.Core.Compatibility.Phoenix;

public static class PhoenixServiceCollectionExtensions
{
    /// <summary>The Arize Phoenix prompt API over the prompt hub (needs <c>AddPrompts</c>); it has no settings of its own.</summary>
    public static IServiceCollection AddPhoenix(this IServiceCollection services) => services.AddSingleton<PhoenixApi>();
}
