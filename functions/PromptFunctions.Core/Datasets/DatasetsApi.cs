using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Datasets.Upload;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Datasets;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Datasets;

/// <summary>The datasets API. Each public method is the whole behaviour of one route, shared by both hosts.</summary>
public sealed class DatasetsApi(ApiExecutor executor, DatasetStore store, IOptions<DatasetOptions> options)
{
    private const int DefaultExamplesPageSize = 100;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JsonResponses.Options.Encoder };

    private readonly DatasetUploadReader _uploads = new(options.Value);

    public Task<IResult> ListDatasets(HttpRequest request) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var limit = call.Limit();
        var after = Cursors.Decode(call.Query("cursor"));
        if (after is not null && !DatasetNames.IsValid(after)) throw ProblemException.BadRequest("'cursor' is not a cursor this API issued.");
        var page = await store.ListDatasetsAsync(limit, after, call.Aborted);
        return JsonResponses.Contract(new Page<DatasetInfo>(page.Items.Select(DatasetJson).ToList(), Cursors.Encode(page.NextCursor)));
    });

    public Task<IResult> GetDataset(HttpRequest request, string name) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
        JsonResponses.Contract(DatasetJson(await RequireDatasetAsync(name, call))));

    public Task<IResult> CreateVersion(HttpRequest request, string name) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var dataset = DatasetName(name);
        await using var upload = await _uploads.ReadAsync(call);
        var creation = new DatasetVersionCreation(call.Principal.Name, upload.Message, upload.Description, upload.Format);
        var outcome = await store.CreateVersionAsync(dataset, upload.Content, creation, call.Aborted);
        var (version, created) = outcome switch
        {
            CreateDatasetVersionOutcome.Created c => (c.Version, true),
            CreateDatasetVersionOutcome.AlreadyExists e => (e.Version, false),
            _ => throw ProblemException.Busy($"Dataset '{dataset}'"),
        };
        var body = new CreatedDatasetVersion(version.Dataset, version.Id, version.Sequence, version.ExampleCount, Splits(version), version.ContentBytes,
            version.SourceFormat, version.CreatedAt, version.CreatedBy, version.Message, created);
        return HttpReplies.Created(created, ContractsJson.Serialize(body), version.Id, "/" + ApiRoutes.Expand(DatasetRoutes.Version, dataset, version.Id));
    });

    public Task<IResult> ListVersions(HttpRequest request, string name) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var dataset = await RequireDatasetAsync(name, call);
        var limit = call.Limit();
        var after = Cursors.DecodeNumber(call.Query("cursor"));
        var page = await store.ListVersionsAsync(dataset.Name, limit, after, call.Aborted);
        return JsonResponses.Contract(new Page<DatasetVersionInfo>(page.Items.Select(VersionJson).ToList(), Cursors.Encode(page.NextCursor)));
    });

    public Task<IResult> GetVersion(HttpRequest request, string name, string id) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var version = await RequireVersionAsync(name, id, call);
        return HttpReplies.ConditionalGet(call.Request, version.Id, ContractsJson.Serialize(VersionJson(version)), call.Options.ImmutableCacheControl);
    });

    public Task<IResult> ListExamples(HttpRequest request, string name, string id) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var split = call.Query("split");
        if (split is not null && !ExampleRows.IsSplitName(split)) throw ProblemException.BadRequest($"'split': {ExampleRows.SplitRule}.");
        var limit = ExamplesLimit(call);
        var offset = Cursors.DecodeNumber(call.Query("cursor")) ?? 0;
        var version = await RequireVersionAsync(name, id, call);
        if (split is not null && version.FindSplit(split) is null)
            throw ProblemException.NotFound($"Version {version.Id} of dataset '{version.Dataset}' has no split '{split}'; its splits are: {string.Join(", ", version.Splits.Select(s => s.Name))}.");

        var page = await store.ReadPageAsync(version, split, offset, limit, call.Aborted);
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("dataset", version.Dataset);
            writer.WriteString("version", version.Id);
            writer.WriteNumber("sequence", version.Sequence);
            if (split is null) writer.WriteNull("split");
            else writer.WriteString("split", split);
            writer.WriteStartArray("data");
            foreach (var example in page.Items) WriteExample(writer, example);
            writer.WriteEndArray();
            if (page.NextOffset is { } next) writer.WriteString("next_cursor", Cursors.Encode(next.ToString(CultureInfo.InvariantCulture)));
            else writer.WriteNull("next_cursor");
            writer.WriteEndObject();
        }
        return new JsonBytesResult(200, buffer.WrittenMemory) { CacheControl = call.Options.ImmutableCacheControl, Vary = HttpReplies.VaryByKey };
    });

    private static void WriteExample(Utf8JsonWriter writer, DatasetExample example)
    {
        writer.WriteStartObject();
        writer.WriteString("id", example.Id);
        writer.WriteNumber("index", example.Index);
        if (example.Split is null) writer.WriteNull("split");
        else writer.WriteString("split", example.Split);
        writer.WritePropertyName("input");
        example.Input.WriteTo(writer);
        writer.WritePropertyName("expected");
        if (example.Expected is null) writer.WriteNullValue();
        else example.Expected.WriteTo(writer);
        writer.WritePropertyName("metadata");
        if (example.Metadata is null) writer.WriteNullValue();
        else example.Metadata.WriteTo(writer);
        writer.WriteEndObject();
    }

    private int ExamplesLimit(ApiCall call)
    {
        var max = options.Value.MaxExamplesPageSize;
        var text = call.Query("limit");
        if (text is null) return Math.Min(DefaultExamplesPageSize, max);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1 || limit > max)
            throw ProblemException.BadRequest($"'limit' must be an integer from 1 to {max}, got '{ApiCall.Printable(text)}'.");
        return limit;
    }

    private async Task<DatasetRecord> RequireDatasetAsync(string name, ApiCall call)
    {
        var dataset = DatasetName(name);
        return await store.GetDatasetAsync(dataset, call.Aborted) ?? throw ProblemException.NotFound($"Dataset '{dataset}' does not exist.");
    }

    private async Task<DatasetVersionRecord> RequireVersionAsync(string name, string id, ApiCall call)
    {
        var dataset = DatasetName(name);
        if (!DatasetStore.IsVersionReference(id))
            throw ProblemException.BadRequest($"'{ApiCall.Printable(id)}' is not a version id (64 lowercase hex characters) or v{{sequence}}.");
        return await store.GetVersionAsync(dataset, id, call.Aborted)
            ?? throw ProblemException.NotFound(await store.GetDatasetAsync(dataset, call.Aborted) is null
                ? $"Dataset '{dataset}' does not exist."
                : $"Dataset '{dataset}' has no version '{id}'.");
    }

    private static string DatasetName(string? name)
    {
        if (!DatasetNames.IsValid(name)) throw ProblemException.BadRequest($"'{ApiCall.Printable(name)}' is not a valid dataset name: {DatasetNames.Rule}.");
        return name!;
    }

    private static DatasetInfo DatasetJson(DatasetRecord dataset) => new(
        dataset.Name,
        dataset.Description,
        dataset.VersionCount,
        dataset.Latest is not { } latest ? null : new DatasetVersionBrief(latest.Id, latest.Sequence, latest.ExampleCount, latest.CreatedAt),
        dataset.CreatedAt,
        dataset.UpdatedAt);

    private static DatasetVersionInfo VersionJson(DatasetVersionRecord version) => new(version.Dataset, version.Id, version.Sequence, version.ExampleCount, Splits(version),
        version.ContentBytes, version.SourceFormat, version.CreatedAt, version.CreatedBy, version.Message);

    private static List<SplitCount> Splits(DatasetVersionRecord version) => version.Splits.Select(s => new SplitCount(s.Name, s.Count)).ToList();
}
