namespace PromptFunctions.Core.Experiments;

/// <summary>
/// Cells of CSV files meant to be opened in a spreadsheet. Text that a spreadsheet would run as a formula (it starts
/// with <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c>, or with a tab or carriage return, per OWASP's CSV injection
/// guidance) gets a leading <c>'</c>, which spreadsheets show as text and do not evaluate; model outputs and dataset
/// inputs are untrusted, so every text cell goes through here. Numbers the export writes itself (<c>-0.5</c>) are
/// left as numbers.
/// </summary>
public static class CsvCells
{
    /// <summary>An untrusted text cell, neutralized and quoted as RFC 4180 requires.</summary>
    public static string Text(string? value)
    {
        if (value is null) return "";
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return Quote(value);
    }

    /// <summary>A cell the export formats itself from a number or a boolean; never a formula.</summary>
    public static string Number(string? value) => value is null ? "" : Quote(value);

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, with quotes doubled.</summary>
    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
