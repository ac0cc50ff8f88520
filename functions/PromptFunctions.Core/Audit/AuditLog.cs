using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Audit;

/// <summary>One write as the audit log keeps it: who, through which API, what, with what result, when.</summary>
public sealed record AuditEntry(DateTimeOffset At, string Actor, string Api, string Method, string Path, int? Status, string? Location, string? ETag, string TraceId);

/// <summary>What a listing of the audit log filters on; every part optional.</summary>
public sealed record AuditFilter(string? Actor, string? Api, string? Method, DateTimeOffset? From, DateTimeOffset? To);

internal sealed class AuditEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string Api { get; set; } = "";
    public string Method { get; set; } = "";
    public string Path { get; set; } = "";
    public int? Status { get; set; }
    public string? Location { get; set; }
    public string? ResultETag { get; set; }
    public string TraceId { get; set; } = "";

    public AuditEntry ToEntry() => new(At, Actor, Api, Method, Path, Status, Location, ResultETag, TraceId);
}

/// <summary>
/// Every successful write through the API envelope, appended to its own table and never changed: entries are only
/// ever added (an add fails on an existing key, so nothing overwrites one), and no route updates or deletes them.
/// Keys sort newest first: the partition is the day and the row the instant, both inverted, so a scan reads the
/// log backwards in time and a time range is a key range.
/// </summary>
public sealed partial class AuditLog(StorageClients storage, TimeProvider clock, ILogger<AuditLog> logger)
{
    private static string Day(DateTimeOffset at) => (DateTimeOffset.MaxValue.UtcTicks / TimeSpan.TicksPerDay - at.UtcTicks / TimeSpan.TicksPerDay).ToString("D8", CultureInfo.InvariantCulture);

    private static string Instant(DateTimeOffset at) => (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The API a path belongs to, as the audit log names it.</summary>
    public static string ApiOf(PathString path) =>
        path.StartsWithSegments("/api/v1") ? "phoenix" : path.StartsWithSegments("/api/public") ? "langfuse" : "native";

    /// <summary>
    /// Appends the entry for a write that succeeded. The write is committed by now, so a failure here is logged
    /// rather than turned into an error for a request that did what it asked.
    /// </summary>
    public async Task AppendAsync(HttpRequest request, ApiPrincipal principal, IResult result)
    {
        var at = clock.GetUtcNow();
        var (status, location, etag) = result switch
        {
            JsonBytesResult json => ((int?)json.Status, json.Location, json.ETag),
            EmptyResult empty => (empty.Status, null, empty.ETag),
            _ => (null, null, null),
        };
        var entity = new AuditEntity
        {
            PartitionKey = Day(at),
            // The trace id keeps two writes in the same tick apart.
            RowKey = Instant(at) + "|" + Guid.NewGuid().ToString("N"),
            At = at,
            Actor = principal.Name,
            Api = ApiOf(request.Path),
            Method = request.Method,
            Path = Truncate(request.Path.Value + request.QueryString.Value, 2000),
            Status = status,
            Location = location,
            ResultETag = etag,
            TraceId = request.HttpContext.TraceIdentifier,
        };
        try
        {
            await storage.EnsureCreatedAsync();
            await storage.Audit.AddEntityAsync(entity, CancellationToken.None);
        }
        catch (RequestFailedException e)
        {
            LogAppendFailed(logger, e, request.Method, request.Path);
        }
    }

    /// <summary>Newest first; <paramref name="cursor"/> is the last key of the previous page.</summary>
    public async Task<ResultPage<AuditEntry>> ListAsync(AuditFilter filter, int limit, string? cursor, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        var clauses = new List<string>();
        if (filter.To is { } to) clauses.Add(TableClient.CreateQueryFilter($"PartitionKey ge {Day(to)} and RowKey ge {Instant(to)}"));
        if (filter.From is { } from) clauses.Add(TableClient.CreateQueryFilter($"PartitionKey le {Day(from)} and At ge {from}"));
        if (filter.Actor is not null) clauses.Add(TableClient.CreateQueryFilter($"Actor eq {filter.Actor}"));
        if (filter.Api is not null) clauses.Add(TableClient.CreateQueryFilter($"Api eq {filter.Api}"));
        if (filter.Method is not null) clauses.Add(TableClient.CreateQueryFilter($"Method eq {filter.Method}"));
        if (cursor is not null)
        {
            var parts = cursor.Split('/');
            if (parts.Length != 2) throw ProblemException.BadRequest("The cursor is not one this listing returned.");
            clauses.Add(TableClient.CreateQueryFilter($"((PartitionKey eq {parts[0]} and RowKey gt {parts[1]}) or PartitionKey gt {parts[0]})"));
        }
        var query = storage.Audit.QueryAsync<AuditEntity>(clauses.Count == 0 ? null : string.Join(" and ", clauses), maxPerPage: limit + 1, cancellationToken: cancellationToken);
        var rows = await query.TakeAsync(limit + 1, cancellationToken);
        var page = rows.Take(limit).ToList();
        return new ResultPage<AuditEntry>(page.Select(r => r.ToEntry()).ToList(), rows.Count > limit ? $"{page[^1].PartitionKey}/{page[^1].RowKey}" : null);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit entry for {Method} {Path} could not be written; the write itself is committed")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string method, string path);
}

/// <summary><c>GET /api/audit</c>: the audit log for admins, newest first, with filters and paging.</summary>
public sealed class AuditApi(ApiExecutor executor, AuditLog log)
{
    private static readonly string[] Apis = ["native", "phoenix", "langfuse"];

    public Task<IResult> List(HttpRequest request) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Admin, async call =>
    {
        var query = call.Request.Query;
        var api = Optional(query, "api");
        if (api is not null && !Apis.Contains(api, StringComparer.Ordinal)) throw ProblemException.BadRequest($"api must be one of {string.Join(", ", Apis)}.");
        var method = Optional(query, "method")?.ToUpperInvariant();
        if (method is not null && method is not ("POST" or "PUT" or "PATCH" or "DELETE")) throw ProblemException.BadRequest("method must be POST, PUT, PATCH or DELETE.");
        var filter = new AuditFilter(Optional(query, "actor"), api, method, Instant(query, "from"), Instant(query, "to"));
        var page = await log.ListAsync(filter, call.Limit(), Optional(query, "cursor"), call.Aborted);

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var entry in page.Items)
            {
                writer.WriteStartObject();
                writer.WriteString("at", entry.At);
                writer.WriteString("actor", entry.Actor);
                writer.WriteString("api", entry.Api);
                writer.WriteString("method", entry.Method);
                writer.WriteString("path", entry.Path);
                if (entry.Status is { } status) writer.WriteNumber("status", status);
                else writer.WriteNull("status");
                writer.WriteString("location", entry.Location);
                writer.WriteString("etag", entry.ETag);
                writer.WriteString("trace_id", entry.TraceId);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            if (page.NextCursor is { } next) writer.WriteString("next_cursor", next);
            else writer.WriteNull("next_cursor");
            writer.WriteEndObject();
        }
        return new JsonBytesResult(200, buffer.WrittenMemory);
    });

    private static string? Optional(IQueryCollection query, string name) => query[name].ToString() is { Length: > 0 } value ? value : null;

    private static DateTimeOffset? Instant(IQueryCollection query, string name)
    {
        if (Optional(query, name) is not { } text) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw ProblemException.BadRequest($"{name} must be an ISO 8601 date and time, such as 2026-01-31T12:00:00Z.");
    }
}
