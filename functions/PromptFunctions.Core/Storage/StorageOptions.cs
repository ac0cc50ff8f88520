using System.ComponentModel.DataAnnotations;

namespace PromptFunctions.Core.Storage;

/// <summary>Where versions and records are kept, section <c>Storage</c>; the connection string is <c>ConnectionStrings:Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    [Required]
    public string ConnectionString { get; set; } = "";

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
