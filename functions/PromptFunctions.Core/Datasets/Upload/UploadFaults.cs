using System.Globalization;
using PromptFunctions.Core.Http;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Datasets.Upload;

/// <summary>
/// Every fault of an upload: all of them are counted, the first <c>limit</c> are kept for the response. One bad
/// row never stops the parse, so the caller learns about every bad row at once.
/// </summary>
internal sealed class UploadFaults(int limit)
{
    private readonly List<ValidationFault> _listed = [];

    public long Count { get; private set; }

    public bool Any => Count > 0;

    public IReadOnlyList<ValidationFault> Listed => _listed;

    public void Add(string path, string message)
    {
        Count++;
        if (_listed.Count < limit) _listed.Add(new ValidationFault(path, message));
    }

    public ProblemException ToProblem()
    {
        var first = _listed[0];
        var detail = Count == 1
            ? $"The upload has 1 problem and nothing was stored: {first.Path}: {first.Message}"
            : $"The upload has {Count.ToString(CultureInfo.InvariantCulture)} problems and nothing was stored" +
              (Count > _listed.Count ? $"; the first {_listed.Count.ToString(CultureInfo.InvariantCulture)} are listed" : "") +
              $". First: {first.Path}: {first.Message}";
        return new ProblemException(422, "Validation failed", detail, _listed, new System.Text.Json.Nodes.JsonObject { ["error_count"] = Count });
    }
}

/// <summary>
/// Where a row came from, for fault reports: a JSON path in a JSON body (<c>$.examples[3]</c>), or a line of a
/// CSV or JSON Lines file (<c>line 17</c>, with the member or column named in the message).
/// </summary>
internal readonly struct RowLocation
{
    private readonly string? _jsonPath;

    private RowLocation(string? jsonPath, long line)
    {
        _jsonPath = jsonPath;
        Line = line;
    }

    /// <summary>The 1-based line of a line-based upload; for a JSON body, the 0-based index of the example.</summary>
    public long Line { get; }

    public static RowLocation Json(int index) => new(ValidatingJsonReader.Index("$.examples", index), index);

    public static RowLocation AtLine(long line) => new(null, line);

    public string Path => _jsonPath ?? $"line {Line.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Names another row of the same upload, given its <see cref="Line"/>.</summary>
    public string Describe(long line) => _jsonPath is not null ? ValidatingJsonReader.Index("$.examples", (int)line) : $"line {line.ToString(CultureInfo.InvariantCulture)}";

    /// <param name="member">A JSON path relative to the row (".input.question") or a description ("column 'a'"), empty for the row itself.</param>
    public void Fault(UploadFaults faults, string member, string message)
    {
        if (_jsonPath is not null)
            faults.Add(member.StartsWith('.') || member.StartsWith('[') ? _jsonPath + member : _jsonPath, member.Length == 0 || member.StartsWith('.') || member.StartsWith('[') ? message : $"{member}: {message}");
        else
            faults.Add(Path, member.Length == 0 ? message : $"{(member.StartsWith('.') ? "$" + member : member)}: {message}");
    }
}
