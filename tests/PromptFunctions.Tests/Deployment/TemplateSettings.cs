using System.Diagnostics;
using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Deployment;

/// <summary>One app setting the templates can write: its name in configuration form (<c>:</c> for <c>__</c>),
/// with <c>*</c> for a part computed from a parameter; conditional when only some parameter values write it.</summary>
public sealed record WrittenSetting(string Name, bool Conditional, JsonNode? Value);

/// <summary>
/// Reads the app settings out of main.bicep compiled to ARM JSON by the Bicep CLI. The settings object is followed
/// through variables, <c>union</c>, <c>if</c> and <c>reduce</c> into every <c>createObject</c> and object literal;
/// any other construct in a key position fails, so a setting cannot be written without this reading it.
/// </summary>
public static class TemplateSettings
{
    private static readonly Lazy<JsonObject> CompiledMain = new(() => Compile("infra/main.bicep"));

    public static JsonObject Main => CompiledMain.Value;

    /// <summary>Compiles a Bicep file of the repository with the pinned Bicep CLI (infra/bicep.sh).</summary>
    public static JsonObject Compile(string relativePath)
    {
        var root = AzuriteServer.FindRepoRoot();
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var argument in new[] { "infra/bicep.sh", "build", relativePath, "--stdout" }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var standardError = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"bicep build {relativePath} failed:\n{standardError.Result}");
        return JsonNode.Parse(output)!.AsObject();
    }

    /// <summary>Every nested template (module) of a compiled template, depth first, the template itself first.</summary>
    public static IEnumerable<JsonObject> Templates(JsonObject template)
    {
        yield return template;
        foreach (var resource in Resources(template))
        {
            if (resource["type"]?.GetValue<string>() == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JsonObject nested)
                foreach (var inner in Templates(nested)) yield return inner;
        }
    }

    /// <summary>Resources of one template; language version 2.0 keys them by symbolic name, 1.0 lists them.</summary>
    public static IEnumerable<JsonObject> Resources(JsonObject template) => template["resources"] switch
    {
        JsonObject byName => byName.Select(p => p.Value!.AsObject()),
        JsonArray list => list.Select(r => r!.AsObject()),
        _ => [],
    };

    /// <summary>The one <c>Microsoft.Web/sites/config</c> appsettings resource and the template that declares it.</summary>
    public static (JsonObject Template, JsonObject Resource) AppSettingsResource(JsonObject main)
    {
        var found = Templates(main)
            .SelectMany(t => Resources(t).Select(r => (Template: t, Resource: r)))
            .Where(x => x.Resource["type"]?.GetValue<string>() == "Microsoft.Web/sites/config"
                        && x.Resource["name"]!.GetValue<string>().Contains("appsettings", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (found.Count != 1) throw new InvalidOperationException($"Expected one appsettings resource, found {found.Count}.");
        return found[0];
    }

    public static IReadOnlyList<WrittenSetting> Written(JsonObject main)
    {
        var (template, resource) = AppSettingsResource(main);
        var settings = new List<WrittenSetting>();
        new Walker(template, settings).Walk(resource["properties"], conditional: false, accumulators: new HashSet<string>());
        return settings;
    }

    private sealed class Walker(JsonObject template, List<WrittenSetting> settings)
    {
        public void Walk(JsonNode? node, bool conditional, IReadOnlySet<string> accumulators)
        {
            switch (node)
            {
                case JsonObject literal:
                    foreach (var (key, value) in literal)
                        Add(ArmExpression.IsExpression(key) ? KeyPattern(ArmExpression.Parse(key)) : key, conditional, value);
                    break;
                case JsonValue value when value.TryGetValue<string>(out var text) && ArmExpression.IsExpression(text):
                    Walk(ArmExpression.Parse(text), conditional, accumulators);
                    break;
                default:
                    throw new NotSupportedException($"App settings must be built from objects; found {node?.ToJsonString()}");
            }
        }

        private void Walk(ArmExpression expression, bool conditional, IReadOnlySet<string> accumulators)
        {
            switch (expression)
            {
                case ArmExpression.Call { Name: "union" or "shallowMerge" } call:
                    foreach (var argument in call.Arguments) Walk(argument, conditional, accumulators);
                    break;
                case ArmExpression.Call { Name: "if", Arguments.Count: 3 } call:
                    Walk(call.Arguments[1], true, accumulators);
                    Walk(call.Arguments[2], true, accumulators);
                    break;
                case ArmExpression.Call { Name: "reduce", Arguments.Count: 3 } call:
                    Walk(call.Arguments[1], true, accumulators);
                    if (call.Arguments[2] is not ArmExpression.Call { Name: "lambda" } lambda
                        || lambda.Arguments[0] is not ArmExpression.Text accumulator)
                        throw new NotSupportedException("reduce over app settings needs a lambda whose first parameter is the accumulator");
                    Walk(lambda.Arguments[^1], true, new HashSet<string>(accumulators) { accumulator.Value });
                    break;
                case ArmExpression.Call { Name: "lambdaVariables", Arguments: [ArmExpression.Text name] } when accumulators.Contains(name.Value):
                    break; // the settings gathered so far, already walked through the reduce's initial value and body
                case ArmExpression.Call { Name: "createObject" } call:
                    for (var i = 0; i + 1 < call.Arguments.Count; i += 2)
                        Add(KeyPattern(call.Arguments[i]), conditional, JsonValue.Create(Describe(call.Arguments[i + 1])));
                    break;
                case ArmExpression.Call { Name: "variables", Arguments: [ArmExpression.Text name] }:
                    Walk(template["variables"]![name.Value], conditional, accumulators);
                    break;
                default:
                    throw new NotSupportedException($"Cannot read app setting names through {Describe(expression)}; build settings with objects, union, if and reduce.");
            }
        }

        private static string KeyPattern(ArmExpression key) => key switch
        {
            ArmExpression.Text text => text.Value,
            ArmExpression.Call { Name: "format", Arguments: [ArmExpression.Text pattern, ..] } =>
                System.Text.RegularExpressions.Regex.Replace(pattern.Value, @"\{\d+\}", "*"),
            _ => throw new NotSupportedException($"An app setting name must be text or format(...); found {Describe(key)}"),
        };

        private void Add(string name, bool conditional, JsonNode? value) =>
            settings.Add(new WrittenSetting(name.Replace("__", ":", StringComparison.Ordinal), conditional, value?.DeepClone()));
    }

    /// <summary>Text of an expression, for messages and for recognising Key Vault references in values.</summary>
    public static string Describe(ArmExpression expression) => expression switch
    {
        ArmExpression.Call call => $"{call.Name}({string.Join(", ", call.Arguments.Select(Describe))})",
        ArmExpression.Text text => $"'{text.Value}'",
        ArmExpression.Integer number => number.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ArmExpression.Property property => $"{Describe(property.Target)}.{property.Name}",
        ArmExpression.Index index => $"{Describe(index.Target)}[{Describe(index.Key)}]",
        _ => expression.ToString(),
    };
}
