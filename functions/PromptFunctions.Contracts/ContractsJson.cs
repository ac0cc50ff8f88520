using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PromptFunctions.Contracts.Datasets;
using PromptFunctions.Contracts.Experiments;
using PromptFunctions.Contracts.Optimization;
using PromptFunctions.Contracts.Prompts;
using PromptFunctions.Contracts.Webhooks;
using PromptFunctions.Contracts.Suites;

namespace PromptFunctions.Contracts;

/// <summary>
/// Serialization of every contract: snake_case members, timestamps in the round-trip ("O") form the API has always
/// written, compact output that escapes only what JSON requires (responses are never embedded in HTML, and
/// prompts are full of quotes, '+' and '&lt;').
/// </summary>
public static class ContractsJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
        // A missing required member or a null where the contract has none is an error, not a default value.
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        Converters = { new RoundTripDateTimeOffsetConverter() },
    };

    /// <summary>The source-generated metadata of every contract, bound to <see cref="Options"/>.</summary>
    public static ContractsJsonContext Context { get; } = new(new JsonSerializerOptions(Options));

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Context.GetTypeInfo(typeof(T))!);

    /// <summary>The members of <paramref name="obj"/> as extension data (see <see cref="PromptVersionDocument.Content"/>).</summary>
    public static Dictionary<string, JsonElement> Members(JsonObject obj)
    {
        var root = JsonSerializer.SerializeToElement(obj, Context.JsonObject);
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var member in root.EnumerateObject()) members[member.Name] = member.Value;
        return members;
    }

    /// <summary>Extension data back as an object, members in their order.</summary>
    public static JsonObject ToObject(IEnumerable<KeyValuePair<string, JsonElement>>? members)
    {
        var obj = new JsonObject();
        if (members is null) return obj;
        foreach (var (name, value) in members) obj[name] = JsonSerializer.SerializeToNode(value, Context.JsonElement);
        return obj;
    }

    public static T? Deserialize<T>(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Context.GetTypeInfo(typeof(T))!);
}

/// <summary>Writes <see cref="DateTimeOffset"/> as <c>ToString("O")</c>: always seven fractional digits and the offset.</summary>
public sealed class RoundTripDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("O", CultureInfo.InvariantCulture));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(CallerInfo))]
[JsonSerializable(typeof(Page<PromptSummary>))]
[JsonSerializable(typeof(Page<VersionInfo>))]
[JsonSerializable(typeof(Page<TagHistoryItem>))]
[JsonSerializable(typeof(PromptDetail))]
[JsonSerializable(typeof(PromptVersionDocument))]
[JsonSerializable(typeof(CreatedVersionResponse))]
[JsonSerializable(typeof(CreateVersionRequest))]
[JsonSerializable(typeof(TagInfo))]
[JsonSerializable(typeof(TagChangeResponse))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(MoveTagRequest))]
[JsonSerializable(typeof(RollbackRequest))]
[JsonSerializable(typeof(VersionVariables))]
[JsonSerializable(typeof(RenderRequest))]
[JsonSerializable(typeof(RenderResponse))]
[JsonSerializable(typeof(DiffResponse))]
[JsonSerializable(typeof(DriftResponse))]
[JsonSerializable(typeof(Page<DatasetInfo>))]
[JsonSerializable(typeof(DatasetInfo))]
[JsonSerializable(typeof(DatasetVersionInfo))]
[JsonSerializable(typeof(Page<DatasetVersionInfo>))]
[JsonSerializable(typeof(CreatedDatasetVersion))]
[JsonSerializable(typeof(ExperimentInfo))]
[JsonSerializable(typeof(Page<ExperimentInfo>))]
[JsonSerializable(typeof(Page<ExperimentRowInfo>))]
[JsonSerializable(typeof(ExperimentRowInfo))]
[JsonSerializable(typeof(PlaygroundResponse))]
[JsonSerializable(typeof(CreateWebhookRequest))]
[JsonSerializable(typeof(UpdateWebhookRequest))]
[JsonSerializable(typeof(WebhookSubscription))]
[JsonSerializable(typeof(Page<WebhookSubscription>))]
[JsonSerializable(typeof(CreatedWebhookSubscription))]
[JsonSerializable(typeof(RotatedWebhookSecret))]
[JsonSerializable(typeof(WebhookDelivery))]
[JsonSerializable(typeof(Page<WebhookDelivery>))]
[JsonSerializable(typeof(SuiteDefinition))]
[JsonSerializable(typeof(SuiteResponse))]
[JsonSerializable(typeof(Page<SuiteResponse>))]
[JsonSerializable(typeof(SuiteRunResponse))]
[JsonSerializable(typeof(Page<SuiteRunResponse>))]
[JsonSerializable(typeof(GateVerdictResponse))]
[JsonSerializable(typeof(SuiteRunReport))]
[JsonSerializable(typeof(StartExperimentRequest))]
[JsonSerializable(typeof(ExperimentStatusResponse))]
[JsonSerializable(typeof(SuiteRunModel))]
[JsonSerializable(typeof(SuiteRunOptimization))]
[JsonSerializable(typeof(IReadOnlyList<SuiteRunModel>))]
[JsonSerializable(typeof(StartOptimizationRequest))]
[JsonSerializable(typeof(OptimizationInfo))]
[JsonSerializable(typeof(Page<OptimizationSummary>))]
[JsonSerializable(typeof(OptimizationReview))]
[JsonSerializable(typeof(AcceptOptimizationRequest))]
[JsonSerializable(typeof(DismissOptimizationRequest))]
[JsonSerializable(typeof(OptimizationRound))]
[JsonSerializable(typeof(OptimizationComparison))]
[JsonSerializable(typeof(VersionOptimization))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
