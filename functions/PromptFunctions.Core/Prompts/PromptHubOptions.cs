using System.ComponentModel.DataAnnotations;

namespace PromptFunctions.Core.Prompts;

/// <summary>Settings of the prompt hub, section <c>PromptHub</c> (which also holds the API-wide <see cref="Http.ApiOptions"/>).</summary>
public sealed class PromptHubOptions
{
    public const string Section = "PromptHub";

    /// <summary>
    /// Tags that only a key with the <c>promote</c> role may move or delete; <c>production</c> when the setting is
    /// absent. Configured tags replace that default (binding alone would append to it, so the default is applied
    /// after binding, in <see cref="PromptServiceCollectionExtensions.AddPrompts"/>).
    /// </summary>
    public List<string> ProtectedTags { get; set; } = [];

    public const string DefaultProtectedTag = "production";

    /// <summary>How long this process trusts a resolved tag or latest pointer before reading storage again.</summary>
    [Range(0, 3600)]
    public double TagResolutionCacheSeconds { get; set; } = 2;

    /// <summary><c>max-age</c> of tag and latest responses; short because the target moves.</summary>
    [Range(0, 86400)]
    public int TagResponseMaxAgeSeconds { get; set; } = 10;

    /// <summary>
    /// <c>max-age</c> of a version read by id or <c>v{n}</c>. Not <c>immutable</c>: a version can be deleted, and after
    /// its prompt is deleted and the same content posted again its id names a new record (sequence, time, message).
    /// </summary>
    [Range(0, 31_536_000)]
    public int VersionResponseMaxAgeSeconds { get; set; } = 3600;

    /// <summary><c>stale-while-revalidate</c> of tag and latest responses.</summary>
    [Range(0, 86400)]
    public int TagResponseStaleWhileRevalidateSeconds { get; set; } = 60;

    /// <summary>Memory bound of the in-process cache of immutable version documents.</summary>
    [Range(1024 * 1024, 16L * 1024 * 1024 * 1024)]
    public long VersionCacheBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The most characters one rendered prompt may have, for <c>/render</c>, the playground and experiments alike; a
    /// render that would be longer stops early with a 422 (a row error in experiments).
    /// </summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxRenderedChars { get; set; } = PromptFunctions.Prompts.Rendering.RenderLimits.DefaultMaxOutputChars;

    /// <summary>The most work one render may do: template tokens evaluated plus characters produced (see RenderLimits).</summary>
    [Range(10_000, 10_000_000_000)]
    public long MaxRenderWork { get; set; } = PromptFunctions.Prompts.Rendering.RenderLimits.DefaultMaxWork;

    public PromptFunctions.Prompts.Rendering.RenderLimits RenderLimits => new(MaxRenderedChars, MaxRenderWork);
}
