using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.DurableTask.Client;
using PromptFunctions.Core.Durable;
using PromptFunctions.LocalHost;
using PromptFunctions.Core;
using PromptFunctions.Core.Web;
using PromptFunctions.FunctionApp.Triggers;

namespace PromptFunctions.Tests.Infrastructure;

/// <summary>
/// Calls the Functions app's <c>[Function]</c> methods directly, as the Functions host would after routing: the
/// route template comes from each method's HttpTrigger attribute, route values bind to its parameters, and the
/// returned IResult executes against a real HttpContext. Azure Functions Core Tools cannot run here, so this is
/// how the Functions adapters are exercised end to end over Azurite.
/// </summary>
public sealed class FunctionsDriver : IApiDriver
{
    private readonly IHost _host;
    private readonly IServiceProvider _services;
    private readonly IReadOnlyList<(MethodInfo Method, string[] Verbs, TemplateMatcher Matcher, int Literals)> _functions;
    private readonly Dictionary<Type, object> _triggers = [];

    private FunctionsDriver(IHost host, TestStorage storage)
    {
        _host = host;
        _services = host.Services;
        Storage = storage;
        // Literal segments first, as the Functions host's routing prefers them over parameters; the catch-all last.
        _functions = TriggerClasses().SelectMany(TriggerRoutes)
            .Select(t => (t.Method, t.Verbs, new TemplateMatcher(TemplateParser.Parse(t.Route), new RouteValueDictionary()),
                Literals: TemplateParser.Parse(t.Route).Segments.Count(s => s.Parts.All(p => p.IsLiteral))))
            .OrderBy(t => t.Method.DeclaringType == typeof(UnmatchedRouteTriggers))
            .ThenByDescending(t => t.Literals)
            .ToList();
    }

    /// <summary>Every trigger class of the Functions app.</summary>
    public static IEnumerable<Type> TriggerClasses() =>
        typeof(PromptTriggers).Assembly.GetTypes().Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null));

    /// <summary>
    /// Every [Function] HTTP method of the Functions app that serves an API route, with its verbs and route (prefix
    /// added); the catch-all that answers unmatched requests is not one.
    /// </summary>
    public static IEnumerable<(MethodInfo Method, string[] Verbs, string Route)> TriggerRoutes() =>
        TriggerClasses().Where(t => t != typeof(UnmatchedRouteTriggers)).SelectMany(TriggerRoutes);

    public string Kind => "functions";
    public TestStorage Storage { get; }
    public IServiceProvider Services => _services;

    /// <summary>
    /// The Functions app's services (AddPromptFunctionsCore, as its Program does) in a generic host, with the
    /// in-process Durable Task engine standing in for the Durable Functions extension: orchestrations and
    /// activities registered through the same registry run there, and <c>[DurableClient]</c> parameters get its client.
    /// </summary>
    public static async Task<FunctionsDriver> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, TestStorage? storage = null,
        Action<IServiceCollection>? configureServices = null, string environment = "Testing")
    {
        storage ??= await TestStorage.CreateAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(storage.Configuration());
        builder.Configuration.AddInMemoryCollection(TestKeys.Configuration());
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddPromptFunctionsCore(builder.Configuration);
        builder.Services.AddWebUi(builder.Configuration);
        var durable = builder.Configuration.GetSection(LocalHost.LocalDurableTaskOptions.Section).Get<LocalHost.LocalDurableTaskOptions>() ?? new LocalHost.LocalDurableTaskOptions();
        builder.Services.AddLocalDurableTaskEngine(durable, registry => registry.AddPromptFunctionsTasks());
        var host = builder.Build();
        await host.StartAsync();
        return new FunctionsDriver(host, storage);
    }

    /// <summary>Each [Function] HTTP method of <paramref name="type"/> with its verbs and route (prefix added).</summary>
    public static IEnumerable<(MethodInfo Method, string[] Verbs, string Route)> TriggerRoutes(Type type)
    {
        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is null) continue;
            var trigger = method.GetParameters()
                .Select(p => p.GetCustomAttribute<HttpTriggerAttribute>())
                .FirstOrDefault(a => a is not null);
            if (trigger is null) continue;
            yield return (method, trigger.Methods!.Select(m => m.ToUpperInvariant()).ToArray(), HostJson.FunctionsPath(trigger.Route!));
        }
    }

    public Task<ApiResponse> SendAsync(HttpMethod method, string pathAndQuery, string? body = null, string? key = TestKeys.Admin,
        IReadOnlyDictionary<string, string>? headers = null, string? contentType = "application/json")
    {
        var bytes = body is null ? null : Encoding.UTF8.GetBytes(body);
        return SendCoreAsync(method, pathAndQuery, bytes is null ? null : new MemoryStream(bytes), bytes?.Length, key, headers, contentType);
    }

    public Task<ApiResponse> SendStreamAsync(HttpMethod method, string pathAndQuery, Stream body, string? contentType, string? key = TestKeys.Admin) =>
        SendCoreAsync(method, pathAndQuery, body, null, key, null, contentType);

    private async Task<ApiResponse> SendCoreAsync(HttpMethod method, string pathAndQuery, Stream? body, long? length, string? key,
        IReadOnlyDictionary<string, string>? headers, string? contentType)
    {
        var queryAt = pathAndQuery.IndexOf('?');
        var rawPath = queryAt < 0 ? pathAndQuery : pathAndQuery[..queryAt];
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Method = method.Method;
        context.Request.Path = PathString.FromUriComponent(rawPath);
        if (queryAt >= 0) context.Request.QueryString = new QueryString(pathAndQuery[queryAt..]);
        if (key is not null) context.Request.Headers.Authorization = $"Bearer {key}";
        if (body is not null)
        {
            context.Request.Body = body;
            context.Request.ContentLength = length;
            if (contentType is not null) context.Request.ContentType = contentType;
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) context.Request.Headers[name] = value;
        var responseBody = new MemoryStream();
        context.Response.Body = responseBody;

        var values = new RouteValueDictionary();
        var match = _functions.FirstOrDefault(f => f.Verbs.Contains(method.Method) && f.Matcher.TryMatch(context.Request.Path, values = new RouteValueDictionary()));
        if (match.Method is null)
        {
            // Outside the route prefix the Functions host answers unknown routes itself, with an empty 404.
            return new ApiResponse(404, "", new Dictionary<string, string>());
        }
        var arguments = match.Method.GetParameters()
            .Select(p => p.ParameterType == typeof(HttpRequest) ? context.Request
                : p.ParameterType == typeof(DurableTaskClient) ? _services.GetRequiredService<DurableTaskClient>()
                : (object?)values[p.Name!]?.ToString())
            .ToArray();
        var triggers = Trigger(match.Method.DeclaringType!);
        var result = await (Task<IResult>)match.Method.Invoke(triggers, arguments)!;
        await result.ExecuteAsync(context);

        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in context.Response.Headers) all[name] = value.ToString();
        return new ApiResponse(context.Response.StatusCode, Encoding.UTF8.GetString(responseBody.ToArray()), all);
    }

    private object Trigger(Type type)
    {
        lock (_triggers)
        {
            if (!_triggers.TryGetValue(type, out var instance)) _triggers[type] = instance = ActivatorUtilities.CreateInstance(_services, type);
            return instance;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
