using System.ComponentModel.DataAnnotations;

namespace PromptFunctions.Core.Configuration;

/// <summary>Settings of the prompt hub, section <c>PromptHub</c>.</summary>
public sealed class PromptHubOptions
{
    public const string Section = "PromptHub";

    /// <summary>Tags that only a key with the <c>promote</c> role may move or delete.</summary>
    public List<string> ProtectedTags { get; set; } = ["production"];

    /// <summary>Largest accepted request body; larger bodies get 413 before anything is parsed.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long this process trusts a resolved tag or latest pointer before reading storage again.</summary>
    [Range(0, 3600)]
    public double TagResolutionCacheSeconds { get; set; } = 2;

    /// <summary><c>max-age</c> of tag and latest responses; short because the target moves.</summary>
    [Range(0, 86400)]
    public int TagResponseMaxAgeSeconds { get; set; } = 10;

    /// <summary><c>stale-while-revalidate</c> of tag and latest responses.</summary>
    [Range(0, 86400)]
    public int TagResponseStaleWhileRevalidateSeconds { get; set; } = 60;

    /// <summary>Memory bound of the in-process cache of immutable version documents.</summary>
    [Range(1024 * 1024, 16L * 1024 * 1024 * 1024)]
    public long VersionCacheBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Upper bound of <c>limit</c> on paged listings.</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;
}

/// <summary>
/// Where versions and records are kept, section <c>Storage</c>. Either a connection string
/// (<c>ConnectionStrings:Storage</c>, for Azurite and shared keys) or the blob and table service URIs, reached with
/// an Entra ID token: the user-assigned managed identity named by <see cref="ClientId"/>, else
/// <c>DefaultAzureCredential</c>. <see cref="StorageOptionsValidator"/> checks that exactly one way is given.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public string ConnectionString { get; set; } = "";

    /// <summary>e.g. <c>https://account.blob.core.windows.net</c>; used only when no connection string is given.</summary>
    public string? BlobServiceUri { get; set; }

    /// <summary>e.g. <c>https://account.table.core.windows.net</c>; used only when no connection string is given.</summary>
    public string? TableServiceUri { get; set; }

    /// <summary>Client id of the user-assigned managed identity to take tokens from; empty means <c>DefaultAzureCredential</c>.</summary>
    public string? ClientId { get; set; }

    public bool UsesServiceUris => !string.IsNullOrWhiteSpace(BlobServiceUri) || !string.IsNullOrWhiteSpace(TableServiceUri);

    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string PromptsTable { get; set; } = "prompts";

    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string PromptIndexTable { get; set; } = "promptindex";

    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string VersionsContainer { get; set; } = "prompt-versions";

    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string ExperimentsTable { get; set; } = "experiments";

    /// <summary>Model outputs too large for a table property.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string ExperimentOutputsContainer { get; set; } = "experiment-outputs";

    /// <summary>Recorded model responses for <c>record</c> and <c>replay</c> runs.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string ModelCacheContainer { get; set; } = "model-cache";
}
