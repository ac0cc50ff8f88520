using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using PromptFunctions.Core.Langfuse;

namespace PromptFunctions.Core.Http;

/// <summary>
/// The answer to a request no API route takes, identical on every host: the local host's routing layer reports
/// the status and this writes the body; under the Functions host a catch-all function asks <see cref="Answer"/>,
/// because the host itself would send an empty 404 for both an unknown path and a known path with the wrong method.
/// </summary>
public static class UnmatchedRoutes
{
    private static readonly IReadOnlyList<(string Method, TemplateMatcher Matcher)> Routes = ApiRoutes.All
        .Select(r => (r.Method, new TemplateMatcher(TemplateParser.Parse($"{ApiRoutes.Prefix}/{r.Template}"), new RouteValueDictionary())))
        .ToList();

    /// <summary>405 when an API route has this path but not this method, 404 when no API route has this path.</summary>
    public static int Status(HttpRequest request)
    {
        var allowed = AllowedMethods(request.Path);
        return allowed.Count > 0 && !allowed.Contains(request.Method, StringComparer.OrdinalIgnoreCase) ? 405 : 404;
    }

    /// <summary>The methods the API routes matching <paramref name="path"/> accept, in route table order.</summary>
    public static IReadOnlyList<string> AllowedMethods(PathString path) =>
        Routes.Where(r => r.Matcher.TryMatch(path, new RouteValueDictionary())).Select(r => r.Method).Distinct().ToList();

    /// <summary>The whole answer for a request that reached no API route.</summary>
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

    /// <summary>Adds one response header to another result (the local host's router sets <c>Allow</c> on a 405 itself).</summary>
    private sealed class HeaderResult(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
