using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Storage;

/// <summary>Exactly one way to reach storage: a connection string, or both service URIs over https.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        var hasConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasConnectionString && options.UsesServiceUris)
            failures.Add("Storage: give either ConnectionStrings:Storage or Storage:BlobServiceUri and Storage:TableServiceUri, not both");
        else if (!hasConnectionString && !options.UsesServiceUris)
            failures.Add("Storage: no storage configured; set ConnectionStrings:Storage, or Storage:BlobServiceUri and Storage:TableServiceUri to use an Entra ID identity");
        else if (options.UsesServiceUris)
        {
            CheckServiceUri(failures, "Storage:BlobServiceUri", options.BlobServiceUri);
            CheckServiceUri(failures, "Storage:TableServiceUri", options.TableServiceUri);
        }
        if (!string.IsNullOrWhiteSpace(options.ClientId))
        {
            if (!Guid.TryParse(options.ClientId, out _))
                failures.Add($"Storage:ClientId must be the client id (a GUID) of a user-assigned managed identity; got '{options.ClientId}'");
            if (!options.UsesServiceUris)
                failures.Add("Storage:ClientId applies only with Storage:BlobServiceUri and Storage:TableServiceUri; a connection string carries its own credential");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }

    // Bearer tokens are only ever sent over https (the SDK refuses otherwise), so an http URI would fail on the
    // first request instead of at start.
    private static void CheckServiceUri(List<string> failures, string setting, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            failures.Add($"{setting} is required when service URIs are used (give both the blob and the table URI)");
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            failures.Add($"{setting} must be an absolute https URL; got '{value}'");
    }
}

/// <summary>Where the Entra ID token for storage comes from when <see cref="StorageOptions"/> names service URIs.</summary>
public static class StorageCredentials
{
    /// <summary>
    /// The user-assigned managed identity when its client id is configured (what the Azure deployment sets), so
    /// no other identity on the host can be picked up by accident; otherwise <see cref="DefaultAzureCredential"/>,
    /// which covers a developer's Azure CLI login and a system-assigned identity.
    /// </summary>
    public static TokenCredential For(StorageOptions options) =>
        string.IsNullOrWhiteSpace(options.ClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ClientId));
}

/// <summary>
/// A pipeline policy added to every storage client of <see cref="StorageClients"/> (registered as a singleton),
/// e.g. to count or trace storage requests.
/// </summary>
public sealed record StoragePipelinePolicy(HttpPipelinePolicy Policy, HttpPipelinePosition Position = HttpPipelinePosition.PerCall);
