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

    /// <summary>
    /// The most characters one rendered prompt may have, for <c>/render</c>, the playground and experiments alike; a
    /// render that would be longer stops early with a 422 (a row error in experiments).
    /// </summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxRenderedChars { get; set; } = Prompts.Rendering.RenderLimits.DefaultMaxOutputChars;

    /// <summary>The most work one render may do: template tokens evaluated plus characters produced (see RenderLimits).</summary>
    [Range(10_000, 10_000_000_000)]
    public long MaxRenderWork { get; set; } = Prompts.Rendering.RenderLimits.DefaultMaxWork;

    public Prompts.Rendering.RenderLimits RenderLimits => new(MaxRenderedChars, MaxRenderWork);
}

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
