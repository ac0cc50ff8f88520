namespace PromptFunctions.Core.Http;

public static partial class ApiRoutes
{
    public const string Experiments = "experiments";
    public const string ExperimentsCompare = "experiments/compare";
    public const string Experiment = "experiments/{id}";
    public const string ExperimentRows = "experiments/{id}/rows";
    public const string ExperimentExport = "experiments/{id}/export";
    public const string ExperimentCancel = "experiments/{id}/cancel";
    public const string ExperimentPromote = "experiments/{id}/promote";
    public const string Playground = "playground";

    /// <summary>Experiments, their comparison and promotion, and the playground.</summary>
    public static readonly IReadOnlyList<RouteDefinition> ExperimentRoutes =
    [
        new("StartExperiment", "POST", Experiments),
        new("ListExperiments", "GET", Experiments),
        new("CompareExperiments", "GET", ExperimentsCompare),
        new("GetExperiment", "GET", Experiment),
        new("ListExperimentRows", "GET", ExperimentRows),
        new("ExportExperiment", "GET", ExperimentExport),
        new("CancelExperiment", "POST", ExperimentCancel),
        new("PromoteExperiment", "POST", ExperimentPromote),
        new("RunPlayground", "POST", Playground),
    ];
}
