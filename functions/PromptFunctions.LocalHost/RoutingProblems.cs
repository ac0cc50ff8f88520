using PromptFunctions.Core.Http;

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

    /// <summary>
    /// An unknown route or method gets the answer the Functions app's catch-all functions give (<see cref="UnmatchedRoutes"/>
    /// decides 404 or 405 from the route table, as the router would, and sets <c>Allow</c>); other bodiless errors keep their status.
    /// </summary>
    public static Task WriteAsync(HttpContext context)
    {
        if (context.Response.StatusCode is not (404 or 405))
            return UnmatchedRoutes.Problem(context.Request, context.Response.StatusCode).ExecuteAsync(context);
        // The router's 405 counts the web page's GET fallback even on API paths, where the answer is a 404.
        context.Response.Headers.Remove("Allow");
        return UnmatchedRoutes.Answer(context.Request).ExecuteAsync(context);
    }
}
