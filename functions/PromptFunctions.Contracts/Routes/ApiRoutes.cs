namespace PromptFunctions.Contracts.Routes;

/// <summary>
/// Every route of the HTTP API, defined once. Templates are full paths from the site root: the Functions app runs
/// with <c>routePrefix</c> "" in host.json, so its triggers use these templates unchanged, and the local host maps
/// them as they are. A test checks that both hosts expose exactly <see cref="All"/> and that host.json agrees.
/// </summary>
public static class ApiRoutes
{
    /// <summary>The path segment every API route starts with.</summary>
    public const string Prefix = "api";

    /// <summary>The Functions host's <c>extensions.http.routePrefix</c> these templates assume.</summary>
    public const string FunctionsRoutePrefix = "";

    /// <summary>All routes of every feature.</summary>
    public static IReadOnlyList<RouteDefinition> All =>
        [.. HealthRoutes.All, .. CallerRoutes.All, .. PromptRoutes.All, .. TagRoutes.All, .. PhoenixRoutes.All, .. LangfuseRoutes.All, .. DatasetRoutes.All, .. ExperimentRoutes.All, .. WebhookRoutes.All, .. SuiteRoutes.All, .. OptimizationRoutes.All, .. AuditRoutes.All];

    /// <summary>Expands <paramref name="template"/> with <paramref name="values"/> in order, each escaped as one path segment.</summary>
    public static string Expand(string template, params string[] values)
    {
        var result = new System.Text.StringBuilder(template.Length + 32);
        var next = 0;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '{')
            {
                result.Append(template[i]);
                continue;
            }
            var end = template.IndexOf('}', i);
            if (next >= values.Length) throw new ArgumentException($"Template '{template}' needs more than {values.Length} values.", nameof(values));
            result.Append(Uri.EscapeDataString(values[next++]));
            i = end;
        }
        if (next != values.Length) throw new ArgumentException($"Template '{template}' takes {next} values, not {values.Length}.", nameof(values));
        return result.ToString();
    }
}

/// <summary>Service health.</summary>
public static class AuditRoutes
{
    /// <summary>The append-only log of writes, newest first; admin only.</summary>
    public const string Audit = "api/audit";

    public static readonly IReadOnlyList<RouteDefinition> All = [new("ListAudit", "GET", Audit)];
}

public static class HealthRoutes
{
    public const string Health = "api/health";

    public static readonly IReadOnlyList<RouteDefinition> All = [new("Health", "GET", Health)];
}

/// <summary>What the calling key is and may do.</summary>
public static class CallerRoutes
{
    public const string Me = "api/me";

    public static readonly IReadOnlyList<RouteDefinition> All = [new("GetCaller", "GET", Me)];
}

/// <summary>
/// The web page: every GET the API does not answer, at the site root. It is not part of <see cref="ApiRoutes.All"/>,
/// which lists the API; the Functions app serves it with a catch-all trigger, the local host with a fallback.
/// </summary>
public static class WebUiRoutes
{
    public const string Template = "{*path}";

    public static readonly RouteDefinition Route = new("WebUi", "GET", Template);
}

/// <summary>The native prompt hub API: prompts, versions, rendering, diffs and drift.</summary>
public static class PromptRoutes
{
    public const string Prompts = "api/prompts";
    public const string Prompt = "api/prompts/{name}";
    public const string Versions = "api/prompts/{name}/versions";
    public const string Version = "api/prompts/{name}/versions/{id}";
    public const string VersionVariables = "api/prompts/{name}/versions/{id}/variables";
    public const string Latest = "api/prompts/{name}/latest";
    public const string Render = "api/prompts/{name}/render";
    public const string Diff = "api/prompts/{name}/diff";
    public const string Drift = "api/tags";

    public static readonly IReadOnlyList<RouteDefinition> All =
    [
        new("ListPrompts", "GET", Prompts),
        new("GetPrompt", "GET", Prompt),
        new("CreateVersion", "POST", Versions),
        new("ListVersions", "GET", Versions),
        new("GetVersion", "GET", Version),
        new("GetVersionVariables", "GET", VersionVariables),
        new("GetLatest", "GET", Latest),
        new("Render", "POST", Render),
        new("Diff", "GET", Diff),
        new("Drift", "GET", Drift),
    ];
}

/// <summary>Tags: movable pointers at versions, with their history.</summary>
public static class TagRoutes
{
    public const string Tags = "api/prompts/{name}/tags";
    public const string Tag = "api/prompts/{name}/tags/{tag}";
    public const string History = "api/prompts/{name}/tags/{tag}/history";
    public const string Rollback = "api/prompts/{name}/tags/{tag}/rollback";

    public static readonly IReadOnlyList<RouteDefinition> All =
    [
        new("ListTags", "GET", Tags),
        new("GetTag", "GET", Tag),
        new("PutTag", "PUT", Tag),
        new("DeleteTag", "DELETE", Tag),
        new("GetTagHistory", "GET", History),
        new("RollbackTag", "POST", Rollback),
    ];
}

/// <summary>Datasets: immutable, content-addressed versions of example rows.</summary>
public static class DatasetRoutes
{
    public const string Datasets = "api/datasets";
    public const string Dataset = "api/datasets/{name}";
    public const string Versions = "api/datasets/{name}/versions";
    public const string Version = "api/datasets/{name}/versions/{id}";
    public const string Examples = "api/datasets/{name}/versions/{id}/examples";

    public static readonly IReadOnlyList<RouteDefinition> All =
    [
        new("ListDatasets", "GET", Datasets),
        new("GetDataset", "GET", Dataset),
        new("CreateDatasetVersion", "POST", Versions),
        new("ListDatasetVersions", "GET", Versions),
        new("GetDatasetVersion", "GET", Version),
        new("ListDatasetExamples", "GET", Examples),
    ];
}

/// <summary>Experiments, their comparison and promotion, and the playground.</summary>
public static class ExperimentRoutes
{
    public const string Experiments = "api/experiments";
    public const string Compare = "api/experiments/compare";
    public const string Experiment = "api/experiments/{id}";
    public const string Rows = "api/experiments/{id}/rows";
    public const string Export = "api/experiments/{id}/export";
    public const string Cancel = "api/experiments/{id}/cancel";
    public const string Promote = "api/experiments/{id}/promote";
    public const string Playground = "api/playground";

    public static readonly IReadOnlyList<RouteDefinition> All =
    [
        new("StartExperiment", "POST", Experiments),
        new("ListExperiments", "GET", Experiments),
        new("CompareExperiments", "GET", Compare),
        new("GetExperiment", "GET", Experiment),
        new("ListExperimentRows", "GET", Rows),
        new("ExportExperiment", "GET", Export),
        new("CancelExperiment", "POST", Cancel),
        new("PromoteExperiment", "POST", Promote),
        new("RunPlayground", "POST", Playground),
    ];
}

/// <summary>Outbound event subscriptions (admin only), their deliveries and secrets.</summary>
public static class WebhookRoutes
{
    public const string Webhooks = "api/webhooks";
    public const string Webhook = "api/webhooks/{id}";
    public const string Deliveries = "api/webhooks/{id}/deliveries";
    public const string Redeliver = "api/webhooks/{id}/deliveries/{delivery}/redeliver";
    public const string RotateSecret = "api/webhooks/{id}/rotate-secret";

    public static readonly IReadOnlyList<RouteDefinition> All =
    [
        new("CreateWebhook", "POST", Webhooks),
        new("ListWebhooks", "GET", Webhooks),
        new("GetWebhook", "GET", Webhook),
        new("UpdateWebhook", "PATCH", Webhook),
        new("DeleteWebhook", "DELETE", Webhook),
        new("ListWebhookDeliveries", "GET", Deliveries),
        new("RedeliverWebhook", "POST", Redeliver),
        new("RotateWebhookSecret", "POST", RotateSecret),
    ];
}

/// <summary>Regression suites, their runs, and verdicts for experiments that already ran (the CI gate).</summary>
public static class SuiteRoutes
{
    public const string Suites = "api/suites";
    public const string Suite = "api/suites/{name}";
    public const string Runs = "api/suites/{name}/runs";
    public const string Run = "api/suite-runs/{id}";
    public const string Verdicts = "api/suite-verdicts";

    public static readonly IReadOnlyList<RouteDefinition> All =
    [
        new("ListSuites", "GET", Suites),
        new("GetSuite", "GET", Suite),
        new("PutSuite", "PUT", Suite),
        new("DeleteSuite", "DELETE", Suite),
        new("StartSuiteRun", "POST", Runs),
        new("ListSuiteRuns", "GET", Runs),
        new("GetSuiteRun", "GET", Run),
        new("GetSuiteVerdicts", "GET", Verdicts),
    ];
}

/// <summary>
/// Optimization runs (docs/optimization.md): started by a key with the write role or by a signed inbound webhook,
/// listed, read and cancelled by id; a proposed version is accepted (a tag moves to it) or dismissed.
/// </summary>
public static class OptimizationRoutes
{
    public const string Optimizations = "api/optimizations";
    public const string Optimization = "api/optimizations/{id}";
    public const string Cancel = "api/optimizations/{id}/cancel";
    public const string Accept = "api/optimizations/{id}/accept";
    public const string Dismiss = "api/optimizations/{id}/dismiss";
    public const string Hook = "api/hooks/optimize";

    public static readonly IReadOnlyList<RouteDefinition> All =
    [
        new("StartOptimization", "POST", Optimizations),
        new("ListOptimizations", "GET", Optimizations),
        new("GetOptimization", "GET", Optimization),
        new("CancelOptimization", "POST", Cancel),
        new("AcceptOptimization", "POST", Accept),
        new("DismissOptimization", "POST", Dismiss),
        new("OptimizeHook", "POST", Hook),
    ];
}

/// <summary>
/// The Arize Phoenix REST prompt API over the same stores, so that Phoenix clients work with
/// <c>PHOENIX_HOST=&lt;host&gt;/api</c> unchanged.
/// </summary>
public static class PhoenixRoutes
{
    public const string ServerVersion = "api/arize_phoenix_version";
    public const string Prompts = "api/v1/prompts";
    public const string Prompt = "api/v1/prompts/{promptIdentifier}";
    public const string PromptVersions = "api/v1/prompts/{promptIdentifier}/versions";
    public const string PromptLatest = "api/v1/prompts/{promptIdentifier}/latest";
    public const string PromptTag = "api/v1/prompts/{promptIdentifier}/tags/{tagName}";
    public const string VersionById = "api/v1/prompt_versions/{promptVersionId}";
    public const string VersionTags = "api/v1/prompt_versions/{promptVersionId}/tags";
    public const string VersionTag = "api/v1/prompt_versions/{promptVersionId}/tags/{tagName}";

    public static readonly IReadOnlyList<RouteDefinition> All =
    [
        new("PhoenixServerVersion", "GET", ServerVersion),
        new("PhoenixListPrompts", "GET", Prompts),
        new("PhoenixCreatePrompt", "POST", Prompts),
        new("PhoenixPatchPrompt", "PATCH", Prompt),
        new("PhoenixDeletePrompt", "DELETE", Prompt),
        new("PhoenixListPromptVersions", "GET", PromptVersions),
        new("PhoenixGetLatest", "GET", PromptLatest),
        new("PhoenixGetByTag", "GET", PromptTag),
        new("PhoenixGetVersion", "GET", VersionById),
        new("PhoenixListVersionTags", "GET", VersionTags),
        new("PhoenixCreateVersionTag", "POST", VersionTags),
        new("PhoenixDeleteVersionTag", "DELETE", VersionTag),
    ];
}

/// <summary>The Langfuse public prompt API; Langfuse clients call <c>{baseUrl}/api/public/v2/...</c> with the host root as baseUrl.</summary>
public static class LangfuseRoutes
{
    public const string Prompts = "api/public/v2/prompts";
    public const string Prompt = "api/public/v2/prompts/{name}";
    public const string PromptVersion = "api/public/v2/prompts/{name}/versions/{version}";

    public static readonly IReadOnlyList<RouteDefinition> All =
    [
        new("LangfuseListPrompts", "GET", Prompts),
        new("LangfuseCreatePrompt", "POST", Prompts),
        new("LangfuseGetPrompt", "GET", Prompt),
        new("LangfuseDeletePrompt", "DELETE", Prompt),
        new("LangfuseUpdatePromptVersion", "PATCH", PromptVersion),
    ];
}
