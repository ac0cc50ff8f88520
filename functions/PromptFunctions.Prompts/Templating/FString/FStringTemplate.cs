namespace PromptFunctions.Prompts.Templating.FString;

/// <summary>A parsed f-string: literal text and replacement fields, in order.</summary>
internal sealed record FStringTemplate(IReadOnlyList<FStringSegment> Segments);

internal abstract record FStringSegment;

/// <summary>Literal text, with <c>{{</c> and <c>}}</c> already reduced to single braces.</summary>
internal sealed record FStringLiteral(string Text) : FStringSegment;

/// <summary>
/// A replacement field <c>{field_name!conversion:format_spec}</c>. <paramref name="Offset"/> is the offset of its
/// opening brace in the whole template. The format spec is itself a template because it may contain nested fields
/// (<c>{x:{width}}</c>); a spec without braces is a single literal.
/// </summary>
internal sealed record FStringField(int Offset, FieldName Name, char? Conversion, FStringTemplate FormatSpec) : FStringSegment;

/// <summary><c>arg_name ("." attribute | "[" index "]")*</c>, with the text as written for reporting.</summary>
internal sealed record FieldName(string Text, string ArgName, IReadOnlyList<FieldAccessor> Accessors);

/// <summary>
/// One step after the argument name. <c>.x</c> is an attribute; <c>[k]</c> is an item whose key is an integer when it is
/// all decimal digits (Python's rule) and a string otherwise.
/// </summary>
internal sealed record FieldAccessor(bool IsAttribute, string Key, long? Index);
