using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace PromptFunctions.Core.Experiments;

/// <summary>
/// Streams an experiment's rows, joined with their dataset examples, as JSON Lines or CSV. Rows and examples are
/// read page by page, so exporting 100,000 rows holds one page in memory, not the experiment.
/// </summary>
public sealed class ExperimentExport(ExperimentRecord record, ExperimentStore store, IExperimentExamples examples, string format) : IResult
{
    private const int ExamplePage = 500;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.StatusCode = 200;
        response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"experiment-{record.Id}.{(format == "csv" ? "csv" : "jsonl")}\"";

        var evaluatorNames = EvaluatorNames(record);
        var selection = await examples.ResolveAsync(record.DatasetName, record.DatasetVersionId, record.Split, cancellationToken);
        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), 64 * 1024);
        if (format == "csv")
        {
            var header = new List<string> { "example_id", "index", "repetition", "input", "expected", "output", "error", "latency_ms", "input_tokens", "output_tokens", "cost" };
            foreach (var name in evaluatorNames) header.AddRange([$"{name}.score", $"{name}.passed"]);
            await writer.WriteLineAsync(string.Join(',', header.Select(CsvCells.Text)));
        }

        Dictionary<long, ExperimentExample> page = [];
        long pageStart = -1;
        await foreach (var row in store.ReadRowsAsync(record.Id, cancellationToken))
        {
            if (selection is not null && (pageStart < 0 || row.Index < pageStart || row.Index >= pageStart + ExamplePage))
            {
                pageStart = row.Index;
                var count = (int)Math.Min(ExamplePage, Math.Max(0, selection.Count - pageStart));
                page = count == 0 ? [] : (await examples.ReadAsync(selection, pageStart, count, cancellationToken)).ToDictionary(e => e.Index);
            }
            page.TryGetValue(row.Index, out var example);
            if (format == "csv")
            {
                var scores = ExperimentAggregation.Scores(row).ToDictionary(s => s.Name);
                var cells = new List<string>
                {
                    CsvCells.Text(row.ExampleId), CsvCells.Number(Number(row.Index)), CsvCells.Number(Number(row.Repetition)),
                    CsvCells.Text(example?.Input.ToJsonString()), CsvCells.Text(example?.Expected?.ToJsonString()), CsvCells.Text(row.Output), CsvCells.Text(row.Error),
                    CsvCells.Number(Number(row.LatencyMs)), CsvCells.Number(Number(row.InputTokens)), CsvCells.Number(Number(row.OutputTokens)), CsvCells.Number(Number(row.Cost)),
                };
                foreach (var name in evaluatorNames)
                {
                    scores.TryGetValue(name, out var score);
                    cells.Add(CsvCells.Number(score?.Score is { } s ? Number(s) : null));
                    cells.Add(CsvCells.Number(score?.Passed is { } p ? (p ? "true" : "false") : null));
                }
                await writer.WriteLineAsync(string.Join(',', cells));
            }
            else
            {
                var line = ExperimentsApi.RowJson(row);
                line["input"] = example?.Input.DeepClone();
                line["expected"] = example?.Expected?.DeepClone();
                line["metadata"] = example?.Metadata?.DeepClone();
                await writer.WriteLineAsync(line.ToJsonString(Http.JsonResponses.Options));
            }
        }
    }

    private static List<string> EvaluatorNames(ExperimentRecord record) =>
        (JsonNode.Parse(record.EvaluatorsJson) as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(spec => (string?)spec["name"] ?? (string?)spec["type"] ?? "")
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
