using System.Diagnostics;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Telemetry;

/// <summary>
/// Spans of prompt resolution. The fetch path calls these on every request, so each checks first whether anyone
/// listens and whether the current trace is recorded, and creates nothing otherwise: an unsampled fetch pays two
/// field reads.
/// </summary>
public static class PromptSpans
{
    public static readonly ActivitySource Source = new(TelemetryNames.PromptsSource);

    public const string ResolveSpan = "prompt.resolve";
    public const string LoadContentSpan = "prompt.load_content";

    public const string Tag = "tag";
    public const string Latest = "latest";
    public const string Version = "version";

    /// <summary>Whether a span started now would be recorded: someone listens and the current trace is sampled.</summary>
    private static bool Recording => Source.HasListeners() && Activity.Current is { IsAllDataRequested: true };

    /// <summary>A resolution answered from this process's cache: a span of no length, and the attributes on the request's span.</summary>
    /// <param name="pointer"><see cref="Tag"/>, <see cref="Latest"/> or <see cref="Version"/>.</param>
    /// <param name="name">The tag for <see cref="Tag"/>, the reference for <see cref="Version"/>, empty for <see cref="Latest"/>.</param>
    public static void CacheHit(string pointer, string prompt, string name, VersionRecord record)
    {
        if (!Recording) return;
        Describe(Activity.Current!, prompt, record.Id, pointer == Tag ? name : null, onlyIfAbsent: true);
        using var span = Source.StartActivity(ResolveSpan);
        if (span is null) return;
        span.SetTag(TelemetryAttributes.PromptPointer, pointer);
        span.SetTag(TelemetryAttributes.Cache, CacheOutcomes.Hit);
        Describe(span, prompt, record.Id, pointer == Tag ? name : null, onlyIfAbsent: false);
    }

    /// <summary>A resolution read from storage; the storage calls nest under the span. Null when not recorded.</summary>
    public static Activity? StartStorageRead(string pointer, string prompt, string name)
    {
        if (!Recording) return null;
        var span = Source.StartActivity(ResolveSpan);
        if (span is null) return null;
        span.SetTag(TelemetryAttributes.PromptPointer, pointer);
        span.SetTag(TelemetryAttributes.Cache, CacheOutcomes.Miss);
        span.SetTag(TelemetryAttributes.PromptName, prompt);
        if (pointer == Tag) span.SetTag(TelemetryAttributes.PromptTag, name);
        return span;
    }

    /// <summary>Adds what a storage read found to its span (from <see cref="StartStorageRead"/>) and to the request's span.</summary>
    public static void FinishStorageRead(Activity? span, string pointer, string prompt, string name, VersionRecord? record)
    {
        if (span is null) return;
        if (record is null) span.SetTag("promptfunctions.prompt.found", false);
        else
        {
            span.SetTag(TelemetryAttributes.PromptVersionId, record.Id);
            if (span.Parent is { IsAllDataRequested: true } parent) Describe(parent, prompt, record.Id, pointer == Tag ? name : null, onlyIfAbsent: true);
        }
    }

    /// <summary>A version's content read from storage (the immutable document cache missed).</summary>
    public static Activity? StartContentLoad(VersionRecord record)
    {
        if (!Recording) return null;
        var span = Source.StartActivity(LoadContentSpan);
        if (span is null) return null;
        span.SetTag(TelemetryAttributes.PromptName, record.Prompt);
        span.SetTag(TelemetryAttributes.PromptVersionId, record.Id);
        span.SetTag(TelemetryAttributes.Cache, CacheOutcomes.Miss);
        return span;
    }

    /// <summary>
    /// Puts the prompt attributes on <paramref name="span"/>. On a request's span the first prompt resolved wins, so
    /// a request that resolves several (a diff) names the first.
    /// </summary>
    public static void Describe(Activity span, string prompt, string versionId, string? tag, bool onlyIfAbsent = false)
    {
        if (onlyIfAbsent && span.GetTagItem(TelemetryAttributes.PromptName) is not null) return;
        span.SetTag(TelemetryAttributes.PromptName, prompt);
        span.SetTag(TelemetryAttributes.PromptVersionId, versionId);
        if (tag is not null) span.SetTag(TelemetryAttributes.PromptTag, tag);
    }
}
