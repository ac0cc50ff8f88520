using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Datasets.Upload;

/// <summary>
/// Reads a JSON Lines upload line by line as it streams in: one JSON object per line, blank lines skipped, a
/// byte order mark and CR LF line ends accepted. Each line is parsed on its own, so a bad line is reported with
/// its number and the rest are still checked.
/// </summary>
internal static class JsonlExamples
{
    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    internal static readonly JsonDocumentOptions LineOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    public static async Task ReadAsync(Stream body, ColumnMapping mapping, DatasetStaging staging, UploadFaults faults, int maxLineBytes, CancellationToken cancellationToken)
    {
        var pipe = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        long lines = 0;
        var discarding = false;
        var stop = false;
        try
        {
            while (!stop)
            {
                var result = await pipe.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                while (!stop && buffer.PositionOf((byte)'\n') is { } end)
                {
                    var line = buffer.Slice(0, end);
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    lines++;
                    if (discarding) discarding = false;
                    else stop = !await ReadLineAsync(line, lines, mapping, staging, faults, cancellationToken);
                }
                if (!stop && !discarding && buffer.Length > maxLineBytes)
                {
                    // A line too long to hold is reported, and the rest of it is skipped up to its line break.
                    faults.Add(Line(lines + 1), $"the line is longer than {maxLineBytes.ToString(CultureInfo.InvariantCulture)} bytes (Datasets:MaxExampleBytes)");
                    discarding = true;
                }
                if (discarding) buffer = buffer.Slice(buffer.End);
                if (result.IsCompleted)
                {
                    if (!stop && !discarding && buffer.Length > 0) await ReadLineAsync(buffer, lines + 1, mapping, staging, faults, cancellationToken);
                    break;
                }
                pipe.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await pipe.CompleteAsync();
        }
    }

    private static async ValueTask<bool> ReadLineAsync(ReadOnlySequence<byte> bytes, long number, ColumnMapping mapping, DatasetStaging staging, UploadFaults faults, CancellationToken cancellationToken)
    {
        var at = RowLocation.AtLine(number);
        var example = Parse(bytes, number, mapping, at, faults, out var blank);
        return blank || await staging.AddAsync(example, at, cancellationToken);
    }

    private static StagedExample? Parse(ReadOnlySequence<byte> bytes, long number, ColumnMapping mapping, RowLocation at, UploadFaults faults, out bool blank)
    {
        ReadOnlySpan<byte> span = bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray();
        if (number == 1 && span.StartsWith(Utf8ByteOrderMark)) span = span[3..];
        span = span.TrimEnd("\r"u8);
        blank = span.Trim(" \t"u8).IsEmpty;
        if (blank) return null;

        JsonNode? node;
        var inputFaults = new List<ValidationFault>();
        try
        {
            node = JsonInput.ParseNode(span, LineOptions, "$", inputFaults, out var valid);
            if (!valid)
            {
                foreach (var fault in inputFaults) at.Fault(faults, fault.Path[1..], fault.Message);
                return null;
            }
        }
        catch (JsonException e)
        {
            faults.Add(Line(number), $"not valid JSON: {WithoutPosition(e)}");
            return null;
        }
        if (node is not JsonObject record)
        {
            faults.Add(Line(number), $"expected a JSON object, got {ValidatingJsonReader.Describe(node)}");
            return null;
        }
        if (!mapping.IsExplicit && ExampleRows.IsExampleForm(record)) return ExampleRows.FromExampleObject(record, at, faults);

        var names = new List<string>(record.Count);
        var values = new List<JsonNode?>(record.Count);
        foreach (var (name, value) in record)
        {
            names.Add(name);
            values.Add(value);
        }
        // The values move into the example's objects, so they must leave the record first.
        record.Clear();
        return ExampleRows.FromRecord(mapping.Plan(names), values, at, faults, fromCsv: false);
    }

    /// <summary>The parser's own position counts within the one line it saw; the line number is already in the path.</summary>
    internal static string WithoutPosition(JsonException e)
    {
        var cut = e.Message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = cut < 0 ? e.Message : e.Message[..cut];
        return e.BytePositionInLine is { } at ? $"{text} (at byte {(at + 1).ToString(CultureInfo.InvariantCulture)})" : text;
    }

    private static string Line(long line) => $"line {line.ToString(CultureInfo.InvariantCulture)}";
}
