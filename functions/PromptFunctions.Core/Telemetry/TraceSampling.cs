using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Trace;

namespace PromptFunctions.Core.Telemetry;

/// <summary>
/// Which traces are recorded. A span with a parent, local or remote, follows the parent's decision, so a fetch
/// inside a caller's sampled trace is always recorded and an unsampled request costs no child spans at all.
/// Traces that start here are kept by trace id (every process that sees the trace decides alike): GET and HEAD
/// requests at <see cref="TelemetryOptions.ReadTraceSampleRatio"/>, everything else at
/// <see cref="TelemetryOptions.TraceSampleRatio"/>.
/// </summary>
public static class TraceSampling
{
    public static Sampler Sampler(TelemetryOptions options) => new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio));

    /// <summary>
    /// Whether the ASP.NET Core instrumentation keeps a request's span. ASP.NET Core creates the span before a
    /// sampler could see the request's method, so the read ratio is applied here, where the request is known, and
    /// a dropped span is marked unrecorded before anything runs under it. gRPC requests are never kept: they are the
    /// Durable Task and Functions worker channels (long-lived streams and polls), not calls anyone follows.
    /// </summary>
    public static Func<HttpContext, bool> RequestFilter(TelemetryOptions options)
    {
        var reads = new TraceIdRatioBasedSampler(options.ReadTraceSampleRatio);
        return context =>
        {
            if (IsGrpc(context.Request.ContentType)) return false;
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)) return true;
            // Only a trace that starts here; a caller's decision (a remote parent) stands.
            if (Activity.Current is not { } span || span.ParentSpanId != default) return true;
            var parameters = new SamplingParameters(default, span.TraceId, span.OperationName, span.Kind);
            return reads.ShouldSample(parameters).Decision == SamplingDecision.RecordAndSample;
        };
    }

    public static bool IsGrpc(string? contentType) => contentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
}
