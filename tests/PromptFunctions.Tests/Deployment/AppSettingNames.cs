using System.Collections;
using System.Reflection;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Telemetry;

namespace PromptFunctions.Tests.Deployment;

/// <summary>
/// The configuration keys the deployed app reads, as patterns (<c>*</c> for a list index or dictionary key):
/// every settable property of every options class in PromptFunctions.Core that declares its bound section as
/// <c>public const string Section</c>, the keys Core reads directly, and the Functions runtime's own settings.
/// </summary>
public static class AppSettingNames
{
    /// <summary>
    /// Keys Core reads without an options class: storage (StorageServiceCollectionExtensions.AddStorageOptions) and the
    /// exporters' switches (TelemetrySettings), which the Functions host reads too.
    /// </summary>
    public static readonly IReadOnlyList<string> ReadDirectly = ["ConnectionStrings:Storage", "AzureWebJobsStorage", .. TelemetrySettings.All];

    /// <summary>
    /// Settings the Functions host reads, not the worker. Sources: "Connecting to host storage with an identity"
    /// and the app settings reference (learn.microsoft.com/azure/azure-functions/functions-reference,
    /// functions-app-settings), host.json overrides through AzureFunctionsJobHost__path settings, and the Durable Task Scheduler's
    /// storageProvider (durable-task-scheduler/quickstart-durable-task-scheduler); the connection string setting is
    /// the one that storageProvider.connectionStringName names.
    /// </summary>
    public static readonly IReadOnlyList<string> RuntimeSettings =
    [
        "AzureWebJobsStorage:credential",
        "AzureWebJobsStorage:clientId",
        "AzureWebJobsStorage:blobServiceUri",
        "AzureWebJobsStorage:queueServiceUri",
        "AzureWebJobsStorage:tableServiceUri",
        "AzureFunctionsJobHost:extensions:durableTask:storageProvider:type",
        "AzureFunctionsJobHost:extensions:durableTask:storageProvider:connectionStringName",
        "DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
    ];

    public static IReadOnlyList<(string Section, Type Options)> OptionsClasses() =>
        typeof(StorageOptions).Assembly.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract)
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .Select(x => ((string)x.Field!.GetRawConstantValue()!, x.Type))
            .ToList();

    /// <summary>Every key the app's options classes bind.</summary>
    public static IReadOnlyList<string> BoundByOptions() =>
        OptionsClasses().SelectMany(o => DictionaryValueType(o.Options) is { } value ? Paths(value, $"{o.Section}:*") : Paths(o.Options, o.Section)).ToList();

    public static IReadOnlyList<string> All() => [.. BoundByOptions(), .. ReadDirectly, .. RuntimeSettings];

    /// <summary>Whether <paramref name="written"/> (a name that may hold <c>*</c>) is one of <paramref name="readable"/>.</summary>
    public static bool IsRead(string written, IEnumerable<string> readable) => readable.Any(pattern => Matches(written, pattern));

    private static bool Matches(string written, string pattern)
    {
        var w = written.Split(':');
        var p = pattern.Split(':');
        if (w.Length != p.Length) return false;
        // A part the template computes from a parameter must land where the app accepts any key or index.
        return w.Zip(p).All(x => x.Second == "*" || (x.First != "*" && string.Equals(x.First, x.Second, StringComparison.OrdinalIgnoreCase)));
    }

    private static IEnumerable<string> Paths(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // Configuration binds settable properties and fills get-only collections; computed ones read nothing.
            var bindable = property.SetMethod is { IsPublic: true } || (property.GetMethod is not null && IsCollection(property.PropertyType));
            if (!bindable || property.GetIndexParameters().Length > 0) continue;
            foreach (var path in ValuePaths(property.PropertyType, $"{prefix}:{property.Name}")) yield return path;
        }
    }

    private static IEnumerable<string> ValuePaths(Type type, string path)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(underlying)) return [path];
        if (DictionaryValueType(underlying) is { } value) return ValuePaths(value, $"{path}:*");
        if (ElementType(underlying) is { } element) return ValuePaths(element, $"{path}:*");
        return Paths(underlying, path);
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
        || type == typeof(TimeSpan) || type == typeof(Uri) || type == typeof(DateTimeOffset);

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static Type? DictionaryValueType(Type type) =>
        type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>) && i.GetGenericArguments()[0] == typeof(string))
            ?.GetGenericArguments()[1];

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
}
