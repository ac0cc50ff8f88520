using System.ComponentModel.DataAnnotations;

namespace PromptFunctions.Core.Storage;

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

    /// <summary>The append-only audit log of writes.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string AuditTable { get; set; } = "audit";

    /// <summary>Model outputs too large for a table property.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string ExperimentOutputsContainer { get; set; } = "experiment-outputs";

    /// <summary>Recorded model responses for <c>record</c> and <c>replay</c> runs.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string ModelCacheContainer { get; set; } = "model-cache";
}
