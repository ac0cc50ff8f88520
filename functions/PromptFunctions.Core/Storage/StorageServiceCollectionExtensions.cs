using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PromptFunctions.Core.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Storage options (validated at start) and the process's storage clients.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.Section))
            .Configure(options =>
            {
                // ConnectionStrings:Storage is the documented setting; the Functions runtime's own storage
                // connection is the fallback so a bare Functions deployment works without extra settings.
                options.ConnectionString = configuration.GetConnectionString("Storage")
                    ?? configuration["AzureWebJobsStorage"]
                    ?? options.ConnectionString;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<StorageClients>();
        return services;
    }
}
