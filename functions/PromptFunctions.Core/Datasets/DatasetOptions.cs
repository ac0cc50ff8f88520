using System.ComponentModel.DataAnnotations;

namespace PromptFunctions.Core.Datasets;

/// <summary>Where datasets live and how large an upload may be, section <c>Datasets</c>.</summary>
public sealed class DatasetOptions
{
    public const string Section = "Datasets";

    /// <summary>Dataset rows, version records and page indexes.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string Table { get; set; } = "datasets";

    /// <summary>One blob per version: its examples as canonical JSON Lines.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string ExamplesContainer { get; set; } = "dataset-versions";

    /// <summary>
    /// Largest accepted upload body, whatever its format. Separate from <c>PromptHub:MaxRequestBodyBytes</c>, which
    /// bounds the JSON bodies that are read into memory; uploads are streamed and may be much larger.
    /// </summary>
    [Range(1024, 4L * 1024 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 256L * 1024 * 1024;

    [Range(1, 50_000_000)]
    public int MaxExamples { get; set; } = 1_000_000;

    /// <summary>Largest single example, measured as its canonical JSON.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxExampleBytes { get; set; } = 1024 * 1024;

    [Range(1, 1000)]
    public int MaxSplits { get; set; } = 100;

    /// <summary>How many bad rows a rejected upload lists; all of them are counted.</summary>
    [Range(1, 10_000)]
    public int MaxReportedErrors { get; set; } = 100;

    /// <summary>Upper bound of <c>limit</c> when reading examples.</summary>
    [Range(1, 10_000)]
    public int MaxExamplesPageSize { get; set; } = 1000;

    /// <summary>Local folder for the temporary files of an upload in progress; empty means the system temp folder.</summary>
    public string StagingDirectory { get; set; } = "";

    /// <summary>Memory bound of the in-process cache of version records and page indexes (both immutable).</summary>
    [Range(1024 * 1024, 4L * 1024 * 1024 * 1024)]
    public long IndexCacheBytes { get; set; } = 16L * 1024 * 1024;

    public string ResolvedStagingDirectory => StagingDirectory.Length > 0 ? StagingDirectory : Path.Combine(Path.GetTempPath(), "promptfunctions-datasets");
}
