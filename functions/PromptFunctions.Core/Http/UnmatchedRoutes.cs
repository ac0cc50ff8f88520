using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Compatibility.Langfuse;

namespace PromptFunctions.Core.Http;

/// <summary>
/// The answer to a request that no route takes, identical on every host. The site has two kinds of routes: the API
/// (<see cref="ApiRoutes.All"/>) and the web page, which takes every GET outside <see cref="ReservedPrefixes"/>
/// (<see cref="WebUiRoutes"/>). The local host's routing layer and the Functions host's catch-all functions both ask
/// <see cref="Answer"/>, because the Functions host itself would send an empty 404 for an unknown path and for a
/// known path with the wrong method alike.
/// </summary>
public static class UnmatchedRoutes
{
    /// <summary>First path segments the web page never takes: the API, and the Functions host's own routes.</summary>
    public static readonly IReadOnlyList<string> ReservedPrefixes = [ApiRoutes.Prefix, "runtime", "admin"];

    private static readonly IReadOnlyList<(string Method, TemplateMatcher Matcher)> Routes = ApiRoutes.All
        .Select(r => (r.Method, new TemplateMatcher(TemplateParser.Parse(r.Template), new RouteValueDictionary())))
        .ToList();

    /// <summary>True when <paramref name="path"/> (with or without its leading '/') is one the web page may answer.</summary>
    public static bool IsPagePath(string path)
    {
        var firstSegment = path.TrimStart('/').Split('/', 2)[0];
        return !ReservedPrefixes.Contains(firstSegment, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>405 when a route has this path but not this method, 404 when no route has this path.</summary>
    public static int Status(HttpRequest request)
    {
        var allowed = AllowedMethods(request.Path);
        return allowed.Count > 0 && !allowed.Contains(request.Method, StringComparer.OrdinalIgnoreCase) ? 405 : 404;
    }

    /// <summary>The methods the routes matching <paramref name="path"/> accept, API routes first in table order.</summary>
    public static IReadOnlyList<string> AllowedMethods(PathString path)
    {
        var methods = Routes.Where(r => r.Matcher.TryMatch(path, new RouteValueDictionary())).Select(r => r.Method);
        if (IsPagePath(path.Value ?? "")) methods = methods.Append(WebUiRoutes.Route.Method);
        return methods.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The whole answer for a request that reached no route: its status, problem body and <c>Allow</c> on a 405.</summary>
    public static IResult Answer(HttpRequest request)
    {
        var status = Status(request);
        var result = Problem(request, status);
        return status == 405 ? new HeaderResult(result, "Allow", string.Join(", ", AllowedMethods(request.Path))) : result;
    }

    /// <summary>The problem body for a routing failure with <paramref name="status"/> (Langfuse's error shape on its routes).</summary>
    public static IResult Problem(HttpRequest request, int status)
    {
        var detail = status switch
        {
            404 => $"No API route matches {request.Method} {request.Path}. Names in paths must be URL segments without '/'.",
            405 => $"{request.Path} does not accept {request.Method}.",
            _ => $"The request to {request.Method} {request.Path} failed with status {status}.",
        };
        var problem = new ProblemException(status, ReasonPhrase(status), detail);
        // Langfuse clients read errors as {message, error}.
        if (request.Path.StartsWithSegments("/" + ApiRoutes.Prefix + "/public", StringComparison.Ordinal))
            return LangfuseErrors.Result(problem);
        return JsonResponses.Problem(problem, request.Path);
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";

    /// <summary>Adds one response header to another result.</summary>
    private sealed class HeaderResult(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
