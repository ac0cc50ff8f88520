using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Core.Http;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Datasets.Upload;

/// <summary>
/// Reads a JSON body <c>{"examples": [...], "message"?, "description"?}</c> as it streams in: each element of
/// <c>examples</c> is parsed and staged as soon as its bytes have arrived, so the body is never held whole.
/// Syntax errors are 400, as for every JSON body of the API; faults of examples are collected with their paths.
/// </summary>
internal sealed class JsonBodyExamples
{
    public const int MaxTextLength = 2000;
    private static readonly string[] Members = ["examples", "message", "description"];

    private enum Phase { Start, Root, RootValue, ExamplesStart, InArray, Done, Aborted }

    private readonly DatasetStaging _staging;
    private readonly UploadFaults _faults;
    private readonly int _maxElementBytes;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonNode?> _rootValues = new(StringComparer.Ordinal);
    private Phase _phase = Phase.Start;
    private string _member = "";
    private int _index;

    private JsonBodyExamples(DatasetStaging staging, UploadFaults faults, int maxElementBytes)
    {
        _staging = staging;
        _faults = faults;
        _maxElementBytes = maxElementBytes;
    }

    /// <summary>Stages every example of the body and returns its message and description.</summary>
    public static async Task<(string? Message, string? Description)> ReadAsync(
        Stream body, DatasetStaging staging, UploadFaults faults, int maxElementBytes, CancellationToken cancellationToken)
    {
        var reader = new JsonBodyExamples(staging, faults, maxElementBytes);
        await reader.RunAsync(body, cancellationToken);
        return reader.Finish();
    }

    private async Task RunAsync(Stream body, CancellationToken cancellationToken)
    {
        var pipe = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow });
        var parsed = new List<(int Index, JsonNode? Node)>();
        try
        {
            while (true)
            {
                var result = await pipe.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                if (buffer.IsEmpty && result.IsCompleted && _phase == Phase.Start) throw ProblemException.BadRequest("The request needs a body.");
                SequencePosition consumed;
                try
                {
                    consumed = Scan(buffer, result.IsCompleted, ref state, parsed);
                }
                catch (JsonException e)
                {
                    throw ProblemException.BadRequest($"The body is not valid JSON: {JsonlExamples.WithoutPosition(e)} (line {((e.LineNumber ?? 0) + 1).ToString(CultureInfo.InvariantCulture)}).");
                }
                foreach (var (index, node) in parsed)
                {
                    var at = RowLocation.Json(index);
                    if (!await _staging.AddAsync(ExampleRows.FromExampleObject(node, at, _faults), at, cancellationToken))
                    {
                        _phase = Phase.Aborted;
                        break;
                    }
                }
                parsed.Clear();
                if (_phase == Phase.Aborted) return;
                if (result.IsCompleted)
                {
                    if (_phase != Phase.Done) throw ProblemException.BadRequest("The body is not valid JSON: it ends before the object is closed.");
                    return;
                }
                pipe.AdvanceTo(consumed, buffer.End);
            }
        }
        finally
        {
            await pipe.CompleteAsync();
        }
    }

    /// <summary>Advances through whole tokens and whole examples; returns where the next read must resume.</summary>
    private SequencePosition Scan(ReadOnlySequence<byte> buffer, bool isFinal, ref JsonReaderState state, List<(int, JsonNode?)> parsed)
    {
        var reader = new Utf8JsonReader(buffer, isFinal, state);
        while (_phase != Phase.Aborted)
        {
            // A copy of the reader before the token: where to resume when a value is not complete yet.
            var checkpoint = reader;
            if (!reader.Read()) break;
            switch (_phase)
            {
                case Phase.Start:
                    if (reader.TokenType != JsonTokenType.StartObject)
                        throw ProblemException.Invalid("$", "expected an object with an 'examples' array");
                    _phase = Phase.Root;
                    break;
                case Phase.Root when reader.TokenType == JsonTokenType.EndObject:
                    _phase = Phase.Done;
                    break;
                case Phase.Root:
                    _member = MemberName(ref reader);
                    if (!_seen.Add(_member)) throw ProblemException.BadRequest($"The body repeats the member {ValidatingJsonReader.Member("$", _member)}.");
                    _phase = _member == "examples" ? Phase.ExamplesStart : Phase.RootValue;
                    break;
                case Phase.RootValue:
                    if (!TryTakeValue(ref reader, buffer, out var value))
                    {
                        if (Overlong(buffer, checkpoint, ValidatingJsonReader.Member("$", _member))) return buffer.End;
                        reader = checkpoint;
                        goto needMore;
                    }
                    _rootValues[_member] = value;
                    _phase = Phase.Root;
                    break;
                case Phase.ExamplesStart:
                    if (reader.TokenType != JsonTokenType.StartArray)
                        throw ProblemException.Invalid("$.examples", "expected an array of examples");
                    _phase = Phase.InArray;
                    break;
                case Phase.InArray when reader.TokenType == JsonTokenType.EndArray:
                    _phase = Phase.Root;
                    break;
                case Phase.InArray:
                    if (!TryTakeValue(ref reader, buffer, out var element, out var duplicate, out var notText))
                    {
                        if (Overlong(buffer, checkpoint, ValidatingJsonReader.Index("$.examples", _index))) return buffer.End;
                        reader = checkpoint;
                        goto needMore;
                    }
                    if (duplicate is not null) RowLocation.Json(_index++).Fault(_faults, "", duplicate);
                    else if (notText is not null)
                    {
                        var at = RowLocation.Json(_index++);
                        foreach (var fault in notText) at.Fault(_faults, fault.Path[1..], fault.Message);
                    }
                    else parsed.Add((_index++, element));
                    break;
                case Phase.Done:
                    // Utf8JsonReader reports anything after the root value itself; reaching here means it allowed it.
                    throw ProblemException.BadRequest("The body has content after its JSON object.");
            }
        }
        needMore:
        state = reader.CurrentState;
        return buffer.GetPosition(reader.BytesConsumed);
    }

    /// <summary>A root member's name; one that is not Unicode text is a fault of the body (JsonInput's rule).</summary>
    private static string MemberName(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
            throw ProblemException.Invalid(ValidatingJsonReader.Member("$", System.Text.Encoding.UTF8.GetString(raw)), JsonInput.InvalidNameMessage);
        }
    }

    private bool TryTakeValue(ref Utf8JsonReader reader, ReadOnlySequence<byte> buffer, out JsonNode? value)
    {
        if (!TryTakeValue(ref reader, buffer, out value, out var duplicate, out var notText)) return false;
        if (duplicate is not null) _faults.Add(ValidatingJsonReader.Member("$", _member), duplicate);
        foreach (var fault in notText ?? []) _faults.Add(ValidatingJsonReader.Member("$", _member) + fault.Path[1..], fault.Message);
        return true;
    }

    /// <summary>
    /// Takes the value whose first token the reader is on, if all of it is in the buffer. A value that breaks the
    /// I-JSON rules (JsonInput) comes back as null with its faults, paths relative to the value.
    /// </summary>
    private static bool TryTakeValue(ref Utf8JsonReader reader, ReadOnlySequence<byte> buffer, out JsonNode? value, out string? duplicate, out List<ValidationFault>? notText)
    {
        value = null;
        duplicate = null;
        notText = null;
        var start = reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip()) return false;
        var slice = buffer.Slice(start, reader.BytesConsumed - start);
        try
        {
            var inputFaults = new List<ValidationFault>();
            value = JsonInput.ParseNode(slice.IsSingleSegment ? slice.FirstSpan : slice.ToArray(), JsonlExamples.LineOptions, "$", inputFaults, out var valid);
            if (!valid) notText = inputFaults;
        }
        catch (JsonException e)
        {
            // The reader accepted the syntax, so the parser objects to a repeated member name.
            duplicate = JsonlExamples.WithoutPosition(e);
        }
        return true;
    }

    /// <summary>A value that does not fit the per-example limit ends the read with a fault, not with more buffering.</summary>
    private bool Overlong(ReadOnlySequence<byte> buffer, Utf8JsonReader checkpoint, string path)
    {
        if (buffer.Length - checkpoint.BytesConsumed <= _maxElementBytes) return false;
        _faults.Add(path, $"is larger than {_maxElementBytes.ToString(CultureInfo.InvariantCulture)} bytes (Datasets:MaxExampleBytes); reading stopped here");
        _phase = Phase.Aborted;
        return true;
    }

    private (string? Message, string? Description) Finish()
    {
        if (_phase == Phase.Aborted) return (null, null);
        var cursor = new ValidatingJsonReader();
        if (!_seen.Contains("examples")) _faults.Add("$.examples", "is required");
        foreach (var name in _rootValues.Keys.Where(n => !Members.Contains(n, StringComparer.Ordinal)))
            _faults.Add(ValidatingJsonReader.Member("$", name), $"unknown field '{name}'; allowed: {string.Join(", ", Members)}");
        var message = _rootValues.GetValueOrDefault("message") is { } m ? cursor.String(m, "$.message", MaxTextLength) : null;
        var description = _rootValues.GetValueOrDefault("description") is { } d ? cursor.String(d, "$.description", MaxTextLength) : null;
        foreach (var fault in cursor.Faults) _faults.Add(fault.Path, fault.Message);
        return (message, description);
    }
}
