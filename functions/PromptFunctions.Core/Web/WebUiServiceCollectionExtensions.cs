using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PromptFunctions.Core.Web;

public static class WebUiServiceCollectionExtensions
{
    /// <summary>The web page's static files (<see cref="StaticSite"/>), served by both hosts at <c>/</c>.</summary>
    public static IServiceCollection AddWebUi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebUiOptions>().Bind(configuration.GetSection(WebUiOptions.Section));
        services.AddSingleton<StaticSite>();
        return services;
    }
}
