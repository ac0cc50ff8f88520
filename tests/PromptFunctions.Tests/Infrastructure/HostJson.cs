using System.Text.Json.Nodes;

namespace PromptFunctions.Tests.Infrastructure;

/// <summary>The repository's host.json, as the Functions host reads it.</summary>
public static class HostJson
{
    private static readonly Lazy<JsonObject> Document = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AzuriteServer.FindRepoRoot(), "host.json")),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject());

    /// <summary><c>extensions.http.routePrefix</c>; the Functions host's default is "api" when it is not set.</summary>
    public static string RoutePrefix => Document.Value["extensions"]?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";

    /// <summary>The path the Functions host serves a trigger's route template at (no leading slash).</summary>
    public static string FunctionsPath(string routeTemplate) => RoutePrefix.Length == 0 ? routeTemplate : $"{RoutePrefix}/{routeTemplate}";
}
