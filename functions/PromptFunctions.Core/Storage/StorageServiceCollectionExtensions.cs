using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Storage options (validated at start) and the process's storage clients.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStorageOptions(configuration);
        services.AddSingleton<StorageClients>();
        return services;
    }

    /// <summary>
    /// Binds <see cref="StorageOptions"/>: <c>ConnectionStrings:Storage</c> wins; without it, the service URIs of
    /// section <c>Storage</c>; without those, the Functions runtime's own <c>AzureWebJobsStorage</c> connection
    /// string, so a bare Functions deployment on shared keys works without extra settings.
    /// </summary>
    public static IServiceCollection AddStorageOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.Section))
            .Configure(options =>
            {
                var fallback = options.UsesServiceUris ? null : configuration["AzureWebJobsStorage"];
                options.ConnectionString = configuration.GetConnectionString("Storage") ?? fallback ?? options.ConnectionString;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        return services;
    }
}
