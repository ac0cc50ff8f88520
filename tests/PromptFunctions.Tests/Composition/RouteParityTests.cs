using System.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.Core.Http;
using PromptFunctions.FunctionApp.Triggers;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Composition;

public sealed class RouteParityTests
{
    [Fact]
    public async Task Functions_app_and_local_host_expose_the_same_routes()
    {
        var functions = FunctionsDriver.TriggerRoutes()
            .SelectMany(t => t.Verbs.Select(v => $"{v} {t.Route}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        await using var host = await LocalHostDriver.StartAsync();
        var local = host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText!.TrimStart('/')}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        var declared = ApiRoutes.All.Select(r => $"{r.Method} {ApiRoutes.Prefix}/{r.Template}")
            .Append($"{ApiRoutes.WebUi.Method} {ApiRoutes.WebUi.Template}")
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(declared, functions);
        Assert.Equal(declared, local);
        Assert.Equal(ApiRoutes.All.Count, ApiRoutes.All.Select(r => r.Name).Distinct().Count());
    }

    [Fact]
    public void Every_http_function_is_named_after_its_route()
    {
        var functionNames = FunctionsDriver.TriggerRoutes()
            .Select(t => t.Method.GetCustomAttribute<Microsoft.Azure.Functions.Worker.FunctionAttribute>()!.Name)
            .Order(StringComparer.Ordinal);
        Assert.Equal(ApiRoutes.All.Append(ApiRoutes.WebUi).Select(r => r.Name).Order(StringComparer.Ordinal), functionNames);
    }
}
