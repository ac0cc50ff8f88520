using System.Globalization;
using System.Text.Json.Nodes;
using CsvHelper;

namespace PromptFunctions.Core.Datasets.Upload;

/// <summary>
/// Reads a CSV upload as it streams in (RFC 4180: quoted fields may hold separators, quotes and line breaks; a
/// byte order mark is honoured; empty lines are skipped). The first line names the columns. Malformed quoting and
/// rows with the wrong number of fields are reported with the line they start on, and reading goes on.
/// </summary>
internal static class CsvExamples
{
    public static async Task ReadAsync(Stream body, ColumnMapping mapping, DatasetStaging staging, UploadFaults faults, int maxRecordBytes, CancellationToken cancellationToken)
    {
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            AllowLineBreaksInQuotes = true,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Skip,
            MaxRecordSize = maxRecordBytes,
            OnMalformedRecord = record => faults.Add(Line(record.LineNumber), Describe(record)),
        };
        await using var reader = CsvReader.Create(body, options, leaveOpen: true);
        try
        {
            await reader.ReadHeaderAsync(cancellationToken);
            var header = reader.Headers.ToList();
            if (header.Count == 0 || header is [""])
            {
                faults.Add("line 1", "the CSV has no header; its first line names the columns");
                return;
            }
            CheckHeader(header, faults);
            var plan = mapping.PlanHeader(header, faults);
            if (faults.Any) return;

            var values = new JsonNode?[header.Count];
            while (await reader.ReadAsync(cancellationToken))
            {
                var at = RowLocation.AtLine(reader.LineNumber);
                for (var i = 0; i < values.Length; i++) values[i] = JsonValue.Create(reader.GetString(i));
                var example = ExampleRows.FromRecord(plan, values, at, faults, fromCsv: true);
                if (!await staging.AddAsync(example, at, cancellationToken)) return;
            }
        }
        catch (CsvFormatException e)
        {
            // Only what cannot be skipped ends the read, such as a record over the size limit (an unclosed quote
            // early in a large file reads as one huge record).
            faults.Add(e.LineNumber > 0 ? Line(e.LineNumber) : "body", e.Message);
        }
    }

    private static void CheckHeader(List<string> header, UploadFaults faults)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            var column = (i + 1).ToString(CultureInfo.InvariantCulture);
            if (header[i].Length == 0) faults.Add("line 1", $"column {column} has no name");
            else if (!seen.Add(header[i])) faults.Add("line 1", $"column {column} repeats the name '{Http.ApiCall.Printable(header[i])}'");
        }
    }

    private static string Line(long line) => $"line {line.ToString(CultureInfo.InvariantCulture)}";

    private static string Describe(CsvMalformedRecord record) => record.Reason switch
    {
        CsvMalformedReason.StrayQuote => "a quote inside an unquoted field; quote the whole field and double the quotes inside it",
        CsvMalformedReason.TextAfterClosingQuote => "text after the closing quote of a field",
        CsvMalformedReason.UnterminatedQuote => "a quoted field is never closed; everything after its opening quote was read as one field",
        CsvMalformedReason.FieldCountMismatch => $"the row has a different number of fields than the header ({Http.ApiCall.Printable(record.RawRecord)})",
        _ => $"malformed row ({record.Reason})",
    };
}
