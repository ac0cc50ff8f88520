using System.Diagnostics;
using OpenTelemetry;

namespace PromptFunctions.Core.Telemetry;

/// <summary>
/// Gives every recorded span the prompt attributes of its parent in this process, so the spans under an
/// experiment batch (model calls, evaluators, HTTP calls to the provider) say which prompt version they served
/// without each instrumentation knowing about prompts. Runs only for recorded spans.
/// </summary>
public sealed class PromptAttributesProcessor : BaseProcessor<Activity>
{
    public override void OnStart(Activity data)
    {
        var parent = data.Parent;
        if (parent is null || data.GetTagItem(TelemetryAttributes.PromptName) is not null) return;
        foreach (var name in TelemetryAttributes.Inherited)
        {
            if (parent.GetTagItem(name) is { } value) data.SetTag(name, value);
        }
    }
}
