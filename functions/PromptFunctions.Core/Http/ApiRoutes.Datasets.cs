namespace PromptFunctions.Core.Http;

public static partial class ApiRoutes
{
    public const string Datasets = "datasets";
    public const string Dataset = "datasets/{name}";
    public const string DatasetVersions = "datasets/{name}/versions";
    public const string DatasetVersion = "datasets/{name}/versions/{id}";
    public const string DatasetExamples = "datasets/{name}/versions/{id}/examples";

    /// <summary>Datasets: immutable, content-addressed versions of example rows.</summary>
    public static readonly IReadOnlyList<RouteDefinition> DatasetRoutes =
    [
        new("ListDatasets", "GET", Datasets),
        new("GetDataset", "GET", Dataset),
        new("CreateDatasetVersion", "POST", DatasetVersions),
        new("ListDatasetVersions", "GET", DatasetVersions),
        new("GetDatasetVersion", "GET", DatasetVersion),
        new("ListDatasetExamples", "GET", DatasetExamples),
    ];
}
