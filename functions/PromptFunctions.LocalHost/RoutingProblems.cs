using PromptFunctions.Core.Http;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.LocalHost;

/// <summary>Explains routing failures in the API's problem format instead of an empty body.</summary>
internal static class RoutingProblems
{
    /// <summary>
    /// Fills in error responses that nothing wrote a body for. API handlers always write their own problem, so
    /// in practice this only speaks for the routing layer.
    /// </summary>
    public static async Task Middleware(HttpContext context, RequestDelegate next)
    {
        await next(context);
        if (context.Response is { StatusCode: >= 400, HasStarted: false, ContentLength: null, ContentType: null })
            await WriteAsync(context);
    }

    public static Task WriteAsync(HttpContext context)
    {
        var request = context.Request;
        var detail = context.Response.StatusCode switch
        {
            404 => $"No API route matches {request.Method} {request.Path}. Names in paths must be URL segments without '/'.",
            405 => $"{request.Path} does not accept {request.Method}.",
            _ => $"The request to {request.Method} {request.Path} failed with status {context.Response.StatusCode}.",
        };
        var problem = new ProblemException(context.Response.StatusCode, ReasonPhrase(context.Response.StatusCode), detail);
        // Langfuse clients read errors as {message, error}.
        if (request.Path.StartsWithSegments("/" + ApiRoutes.Prefix + "/public", StringComparison.Ordinal))
            return Core.Compatibility.Langfuse.LangfuseErrors.Result(problem).ExecuteAsync(context);
        return JsonResponses.Problem(problem, request.Path).ExecuteAsync(context);
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
