using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Datasets.Upload;

/// <summary>An upload that parsed cleanly and is staged on local disk; disposing it deletes the staged files.</summary>
internal sealed class ReceivedUpload(DatasetStaging staging, StagedContent content, string format, string? message, string? description) : IAsyncDisposable
{
    public StagedContent Content { get; } = content;
    public string Format { get; } = format;
    public string? Message { get; } = message;
    public string? Description { get; } = description;

    public ValueTask DisposeAsync() => staging.DisposeAsync();
}

/// <summary>
/// Turns the body of <c>POST /datasets/{name}/versions</c> into staged content: picks the format from the
/// content type (JSON, CSV, JSON Lines, or one file in multipart/form-data), enforces
/// <see cref="DatasetOptions.MaxUploadBytes"/> while streaming, and rejects the upload with every fault found.
/// Nothing reaches storage from here.
/// </summary>
internal sealed class DatasetUploadReader(DatasetOptions options)
{
    public const string Json = "json";
    public const string Csv = "csv";
    public const string Jsonl = "jsonl";

    private const int MaxFormFieldBytes = 16 * 1024;

    private static readonly string[] CsvTypes = ["text/csv"];
    private static readonly string[] JsonlTypes = ["application/x-ndjson", "application/jsonl", "application/x-jsonlines"];
    private const string Accepted = "application/json, text/csv, application/x-ndjson, application/jsonl or multipart/form-data with one file";

    public async Task<ReceivedUpload> ReadAsync(ApiCall call)
    {
        var request = call.Request;
        var limit = options.MaxUploadBytes;
        if (request.ContentLength > limit) throw TooLarge(limit);
        var media = MediaType(request.ContentType, "the request");
        var mapping = ColumnMapping.FromQuery(request.Query);

        // The server's own body limit (30 MB in Kestrel, also inside the Functions worker) would cut uploads short
        // with an error of its own; the upload limit is enforced here instead, on the bytes actually read.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = limit + 1;
        await using var body = new LimitedReadStream(request.Body, limit);

        var faults = new UploadFaults(options.MaxReportedErrors);
        var staging = new DatasetStaging(options, faults);
        try
        {
            string format;
            string? message, description;
            if (media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                (format, message, description) = await ReadMultipartAsync(call, media, body, mapping, staging, faults);
            }
            else
            {
                format = FormatOf(media) ?? throw Unsupported(request.ContentType);
                (message, description) = await ReadPartAsync(call, format, body, mapping, staging, faults, fromQuery: true);
            }

            if (!faults.Any && staging.RowCount == 0) faults.Add(format == Json ? "$.examples" : "body", "the upload holds no examples");
            if (faults.Any) throw faults.ToProblem();
            var content = await staging.SealAsync(call.Aborted);
            return new ReceivedUpload(staging, content, format, message, description);
        }
        catch (Exception e)
        {
            await staging.DisposeAsync();
            if (e is BadHttpRequestException { StatusCode: 413 }) throw TooLarge(limit);
            if (e is BadHttpRequestException bad) throw ProblemException.BadRequest($"The request body could not be read: {bad.Message}");
            throw;
        }
    }

    private async Task<(string? Message, string? Description)> ReadPartAsync(
        ApiCall call, string format, Stream body, ColumnMapping mapping, DatasetStaging staging, UploadFaults faults, bool fromQuery)
    {
        if (format == Json)
        {
            if (mapping.IsExplicit) throw ProblemException.BadRequest($"Column mapping ({string.Join(", ", ColumnMapping.Parameters)}) applies to CSV and JSON Lines uploads, not to JSON bodies.");
            if (fromQuery && (call.Query("message") is not null || call.Query("description") is not null))
                throw ProblemException.BadRequest("A JSON body carries 'message' and 'description' as members, not as query parameters.");
            return await JsonBodyExamples.ReadAsync(body, staging, faults, options.MaxExampleBytes, call.Aborted);
        }
        if (format == Csv) await CsvExamples.ReadAsync(body, mapping, staging, faults, options.MaxExampleBytes, call.Aborted);
        else await JsonlExamples.ReadAsync(body, mapping, staging, faults, options.MaxExampleBytes, call.Aborted);
        return fromQuery ? (Text(call.Query("message"), "message"), Text(call.Query("description"), "description")) : (null, null);
    }

    /// <summary>
    /// One file part, whose content type (or, for application/octet-stream, its file name) gives the format, and
    /// optional <c>message</c> and <c>description</c> fields, in any order. Parts are read as they arrive.
    /// </summary>
    private async Task<(string Format, string? Message, string? Description)> ReadMultipartAsync(
        ApiCall call, MediaTypeHeaderValue media, Stream body, ColumnMapping mapping, DatasetStaging staging, UploadFaults faults)
    {
        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > 70)
            throw ProblemException.BadRequest("multipart/form-data needs a boundary parameter of 1-70 characters.");
        var reader = new MultipartReader(boundary, body) { HeadersLengthLimit = MaxFormFieldBytes };
        string? format = null;
        var message = Text(call.Query("message"), "message");
        var description = Text(call.Query("description"), "description");
        var fields = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (await reader.ReadNextSectionAsync(call.Aborted) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                    throw ProblemException.BadRequest("Every part of the form needs 'Content-Disposition: form-data; name=...'.");
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition())
                {
                    if (format is not null) throw ProblemException.BadRequest("Send one file per upload.");
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                    format = FileFormat(section.ContentType, fileName);
                    var (bodyMessage, bodyDescription) = await ReadPartAsync(call, format, section.Body, mapping, staging, faults, fromQuery: false);
                    message = Merge(message, bodyMessage, "message");
                    description = Merge(description, bodyDescription, "description");
                    continue;
                }
                if (!fields.Add(name)) throw ProblemException.BadRequest($"The form repeats the field '{ApiCall.Printable(name)}'.");
                var value = await ReadFieldAsync(section.Body, name, call.Aborted);
                switch (name)
                {
                    case "message": message = Merge(message, Text(value, "message"), "message"); break;
                    case "description": description = Merge(description, Text(value, "description"), "description"); break;
                    default: throw ProblemException.BadRequest($"Unknown form field '{ApiCall.Printable(name)}'; the form has one file and optionally 'message' and 'description'.");
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw ProblemException.BadRequest($"The multipart body is malformed: {e.Message}");
        }
        catch (IOException e) when (e is not BadHttpRequestException && !call.Aborted.IsCancellationRequested)
        {
            // The multipart reader reports a body that ends before its closing boundary as an IOException, whether
            // the body was cut short or never contained the Content-Type's boundary at all.
            throw ProblemException.BadRequest(
                $"The multipart body is malformed: it ends before its closing boundary line '--{ApiCall.Printable(boundary)}--'; it was cut short, or its parts are delimited by a boundary other than the Content-Type's.");
        }
        return (format ?? throw ProblemException.BadRequest("The form has no file part; send the examples as a file (Content-Disposition with a filename)."), message, description);
    }

    private static async Task<string> ReadFieldAsync(Stream section, string name, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFormFieldBytes + 1];
        var length = 0;
        int read;
        while ((read = await section.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
            if (length > MaxFormFieldBytes) throw ProblemException.BadRequest($"The form field '{ApiCall.Printable(name)}' is longer than {MaxFormFieldBytes} bytes.");
        }
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static string? Merge(string? first, string? second, string what) =>
        first is not null && second is not null ? throw ProblemException.BadRequest($"Give '{what}' once.") : first ?? second;

    private static string? Text(string? value, string what)
    {
        if (value is null) return null;
        if (value.Length > JsonBodyExamples.MaxTextLength) throw ProblemException.BadRequest($"'{what}' must be at most {JsonBodyExamples.MaxTextLength} characters.");
        return value;
    }

    private static string FileFormat(string? contentType, string fileName)
    {
        if (contentType is not null)
        {
            var media = MediaType(contentType, "the file part");
            if (!media.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
                return FormatOf(media) ?? throw Unsupported(contentType);
        }
        return Path.GetExtension(fileName).ToLowerInvariant() switch
        {
            ".csv" => Csv,
            ".jsonl" or ".ndjson" => Jsonl,
            ".json" => Json,
            _ => throw new ProblemException(415, "Unsupported media type",
                $"Give the file part a Content-Type (text/csv, application/x-ndjson, application/jsonl, application/json) or a file name ending in .csv, .jsonl, .ndjson or .json; got '{ApiCall.Printable(fileName)}'."),
        };
    }

    private static MediaTypeHeaderValue MediaType(string? contentType, string what)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media))
            throw new ProblemException(415, "Unsupported media type", $"Give {what} a Content-Type: {Accepted}.");
        var charset = media.Charset.Value;
        if (charset is not null && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase))
            throw new ProblemException(415, "Unsupported media type", $"Send UTF-8 text, not charset '{ApiCall.Printable(charset)}'.");
        return media;
    }

    private static string? FormatOf(MediaTypeHeaderValue media)
    {
        var type = media.MediaType.Value ?? "";
        if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)) return Json;
        if (CsvTypes.Contains(type, StringComparer.OrdinalIgnoreCase)) return Csv;
        if (JsonlTypes.Contains(type, StringComparer.OrdinalIgnoreCase)) return Jsonl;
        return null;
    }

    private static ProblemException Unsupported(string? contentType) =>
        new(415, "Unsupported media type", $"Send the examples as {Accepted}, not '{ApiCall.Printable(contentType)}'.");

    internal static ProblemException TooLarge(long limit) =>
        new(413, "Payload too large", $"The upload exceeds the limit of {limit.ToString(CultureInfo.InvariantCulture)} bytes (Datasets:MaxUploadBytes).");
}

/// <summary>Counts the bytes read and fails with 413 past the limit, whatever the Content-Length said.</summary>
internal sealed class LimitedReadStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

    private int Count(int read)
    {
        _read += read;
        if (_read > limit) throw DatasetUploadReader.TooLarge(limit);
        return read;
    }

    // The request body belongs to the server; this wrapper only observes it.
    protected override void Dispose(bool disposing) { }
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
