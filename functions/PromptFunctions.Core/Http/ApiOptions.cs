using System.ComponentModel.DataAnnotations;

namespace PromptFunctions.Core.Http;

/// <summary>
/// Limits every API route shares. They live in the <c>PromptHub</c> section, where they have always been set, next
/// to the prompt settings of <see cref="Prompts.PromptHubOptions"/>.
/// </summary>
public sealed class ApiOptions
{
    public const string Section = "PromptHub";

    /// <summary>Largest accepted request body; larger bodies get 413 before anything is parsed.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Upper bound of <c>limit</c> on paged listings.</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;
}
