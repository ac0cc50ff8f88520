using OpenTelemetry.Trace;

namespace PromptFunctions.Core.Telemetry;

/// <summary>
/// Decides for traces that start here (no parent): reads at <see cref="TelemetryOptions.ReadTraceSampleRatio"/>,
/// everything else at <see cref="TelemetryOptions.TraceSampleRatio"/>, both by trace id so every process that
/// sees the trace decides alike. Wrapped in <see cref="ParentBasedSampler"/>: a span with a parent, local or
/// remote, follows the parent's decision, so a fetch inside a caller's sampled trace is always recorded and an
/// unsampled request costs no child spans at all.
/// </summary>
public sealed class RootSampler : Sampler
{
    private readonly TraceIdRatioBasedSampler _requests;
    private readonly TraceIdRatioBasedSampler _reads;

    public RootSampler(double traceRatio, double readRatio)
    {
        _requests = new TraceIdRatioBasedSampler(traceRatio);
        _reads = new TraceIdRatioBasedSampler(readRatio);
        Description = $"RootSampler{{requests={traceRatio}, reads={readRatio}}}";
    }

    public static Sampler Create(TelemetryOptions options) =>
        new ParentBasedSampler(new RootSampler(options.TraceSampleRatio, options.ReadTraceSampleRatio));

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        IsRead(samplingParameters) ? _reads.ShouldSample(samplingParameters) : _requests.ShouldSample(samplingParameters);

    /// <summary>ASP.NET Core gives the request method among the tags it creates the server span with, for samplers.</summary>
    private static bool IsRead(in SamplingParameters parameters)
    {
        if (parameters.Kind != System.Diagnostics.ActivityKind.Server || parameters.Tags is null) return false;
        foreach (var tag in parameters.Tags)
        {
            if (tag.Key == "http.request.method") return tag.Value is "GET" or "HEAD";
        }
        return false;
    }
}
