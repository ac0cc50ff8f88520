using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.Core.Http;
using PromptFunctions.FunctionApp.Triggers;
using PromptFunctions.Tests.Infrastructure;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Prompts;

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

        var declared = ApiRoutes.All.Append(WebUiRoutes.Route).Select(r => $"{r.Method} {r.Template}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(declared, functions);
        Assert.Equal(declared, local);
        Assert.Equal(ApiRoutes.All.Count, ApiRoutes.All.Select(r => r.Name).Distinct().Count());
    }

    /// <summary>
    /// What the real Functions host indexed from the app's build output (its admin API lists each function's trigger
    /// binding): the declared routes, the web page's catch-all, and the catch-all for other methods, nothing else.
    /// </summary>
    [Fact]
    public async Task The_real_functions_host_serves_exactly_the_declared_routes()
    {
        var host = await FunctionsHostDriver.SharedAsync();
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        http.DefaultRequestHeaders.Add("x-functions-key", host.Host.MasterKey());
        var functions = JsonNode.Parse(await http.GetStringAsync("/admin/functions"), new JsonNodeOptions { PropertyNameCaseInsensitive = true })!.AsArray();
        var served = functions
            .Select(f => f!["config"]?["bindings"]?.AsArray().FirstOrDefault(b => b?["type"]?.GetValue<string>() == "httpTrigger"))
            .Where(trigger => trigger is not null)
            .SelectMany(trigger => trigger!["methods"]!.AsArray().Select(m => $"{m!.GetValue<string>().ToUpperInvariant()} {trigger["route"]!.GetValue<string>()}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        var unmatched = FunctionsDriver.TriggerRoutes(typeof(UnmatchedRouteTriggers)).Single();
        var declared = ApiRoutes.All.Append(WebUiRoutes.Route).Select(r => $"{r.Method} {r.Template}")
            .Concat(unmatched.Verbs.Select(v => $"{v} {unmatched.Route}"))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(declared, served);
    }

    /// <summary>
    /// The Functions host maps HTTP functions in name order, and a catch-all mapped before a route that shares one of
    /// its methods takes that route's requests; so each catch-all's name sorts after every such function's.
    /// </summary>
    [Fact]
    public void Catch_all_functions_are_named_to_be_mapped_after_the_routes_they_could_shadow()
    {
        var all = FunctionsDriver.TriggerClasses().SelectMany(FunctionsDriver.TriggerRoutes)
            .Select(t => (Name: t.Method.GetCustomAttribute<Microsoft.Azure.Functions.Worker.FunctionAttribute>()!.Name, t.Verbs, t.Route))
            .ToList();
        foreach (var catchAll in all.Where(f => f.Route == WebUiRoutes.Template))
        {
            var shadowed = all.Where(f => f.Route != WebUiRoutes.Template && f.Verbs.Intersect(catchAll.Verbs).Any()
                && string.Compare(f.Name, catchAll.Name, StringComparison.OrdinalIgnoreCase) >= 0).Select(f => f.Name).ToList();
            Assert.True(shadowed.Count == 0, $"{catchAll.Name} would be mapped before {string.Join(", ", shadowed)}");
        }
    }

    [Fact]
    public void Host_json_route_prefix_is_the_one_the_route_templates_assume()
    {
        Assert.Equal(ApiRoutes.FunctionsRoutePrefix, HostJson.RoutePrefix);
        Assert.All(ApiRoutes.All, r => Assert.StartsWith(ApiRoutes.Prefix + "/", r.Template, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_http_function_is_named_after_its_route()
    {
        var functionNames = FunctionsDriver.TriggerRoutes()
            .Select(t => t.Method.GetCustomAttribute<Microsoft.Azure.Functions.Worker.FunctionAttribute>()!.Name)
            .Order(StringComparer.Ordinal);
        Assert.Equal(ApiRoutes.All.Append(WebUiRoutes.Route).Select(r => r.Name).Order(StringComparer.Ordinal), functionNames);
    }
}
