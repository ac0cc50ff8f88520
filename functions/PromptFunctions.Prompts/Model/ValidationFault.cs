namespace PromptFunctions.Prompts.Model;

/// <param name="Path">JSON path of the faulty value, e.g. <c>$.template.messages[2].role</c>.</param>
/// <param name="Code">
/// A machine-readable kind for the faults that APIs speaking another product's error format must classify (such as
/// <see cref="Json.JsonInput.NonFiniteNumberCode"/>); null for schema faults, which those APIs classify themselves.
/// </param>
public sealed record ValidationFault(string Path, string Message, string? Code = null);

/// <summary>Thrown when a document does not satisfy its schema; carries every fault found, not only the first.</summary>
public sealed class PromptValidationException(IReadOnlyList<ValidationFault> faults)
    : Exception(faults.Count == 1 ? $"{faults[0].Path}: {faults[0].Message}" : $"{faults.Count} validation faults, first {faults[0].Path}: {faults[0].Message}")
{
    public IReadOnlyList<ValidationFault> Faults { get; } = faults;
}
