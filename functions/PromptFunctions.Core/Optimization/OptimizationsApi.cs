using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Optimization;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Optimization;

/// <summary>
/// The optimization routes. Starting (by key or by signed hook) and cancelling take the host's
/// <see cref="DurableTaskClient"/>: the Functions app gets it from its <c>[DurableClient]</c> binding, the local host
/// from its engine.
/// </summary>
public sealed partial class OptimizationsApi(
    ApiExecutor executor,
    IOptimizationStarter starter,
    OptimizationStore store,
    StandardWebhookVerifier verifier,
    Microsoft.Extensions.Options.IOptions<OptimizationOptions> options,
    PromptFunctions.Core.Prompts.PromptService prompts,
    TimeProvider clock)
{
    public const string HookActor = "hook:optimize";

    public Task<IResult> Start(HttpRequest request, DurableTaskClient durable) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var body = await call.ReadObjectAsync(OptimizationRequestReader.Members);
        return Answer(await starter.StartAsync(body, null, call.Principal.Name, durable, call.Aborted));
    });

    /// <summary>
    /// The inbound webhook: the Standard Webhooks signature over the exact body bytes is checked before the body is
    /// read at all, and <c>webhook-id</c> is the idempotency key, so a repeated delivery answers with the run the first
    /// one started.
    /// </summary>
    public Task<IResult> Hook(HttpRequest request, DurableTaskClient durable) => executor.RunAsync(request, SignedHookDialect.Instance, ApiRoles.None, async call =>
    {
        var bytes = await ReadBodyAsync(request, executor.Options.MaxRequestBodyBytes, call.Aborted);
        var messageId = verifier.Verify(request.Headers, bytes) switch
        {
            WebhookVerification.Verified verified => verified.MessageId,
            WebhookVerification.Refused refused => throw new ProblemException(401, "Unauthorized", refused.Reason),
            _ => throw new InvalidOperationException("unknown verification result"),
        };
        request.Body = new MemoryStream(bytes, writable: false);
        request.ContentLength = bytes.Length;
        var body = await call.ReadObjectAsync(OptimizationRequestReader.Members);
        return Answer(await starter.StartAsync(body, $"{HookActor}:{messageId}", HookActor, durable, call.Aborted));
    });

    public Task<IResult> Get(HttpRequest request, string id) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var record = await RequireAsync(id, call);
        return JsonResponses.Contract(await DescribeAsync(record, call.Aborted));
    });

    public Task<IResult> Cancel(HttpRequest request, string id, DurableTaskClient durable) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Write, async call =>
    {
        var record = await RequireAsync(id, call);
        var cancelled = await store.TransitionAsync(record.Id, OptimizationStatus.Active,
            r => r with { Status = OptimizationStatus.Cancelled, CompletedAt = clock.GetUtcNow() }, call.Aborted) switch
        {
            OptimizationTransition.Changed changed => changed.Record,
            OptimizationTransition.WrongStatus wrong => throw ProblemException.Conflict($"Optimization {record.Id} is already {wrong.Status}; only queued or running runs can be cancelled."),
            OptimizationTransition.NotFound => throw ProblemException.NotFound($"Optimization {record.Id} does not exist."),
            _ => throw ProblemException.Busy($"Optimization {record.Id}"),
        };
        try
        {
            await durable.TerminateInstanceAsync(record.Id, new TerminateInstanceOptions { Output = OptimizationStatus.Cancelled }, call.Aborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The orchestration may have ended already, or be gone with a restarted engine; the stored status is what
            // callers and the run's own steps read, and every step checks it first.
        }
        return JsonResponses.Contract(await DescribeAsync(cancelled, call.Aborted));
    });

    private async Task<OptimizationRecord> RequireAsync(string id, ApiCall call)
    {
        if (!OptimizationIds.IsValid(id)) throw ProblemException.BadRequest($"'{ApiCall.Printable(id)}' is not an optimization id (32 lowercase hex characters).");
        return await store.GetAsync(id, call.Aborted) ?? throw ProblemException.NotFound($"Optimization {id} does not exist.");
    }

    private IResult Answer(OptimizationStart outcome) => outcome switch
    {
        OptimizationStart.Started started => Accepted(started.Record, started.Spec, 202),
        OptimizationStart.AlreadyStarted existing => Accepted(existing.Record, existing.Spec, 200),
        OptimizationStart.Invalid invalid => throw ProblemException.Invalid(invalid.Faults),
        _ => throw ProblemException.Busy("The optimization"),
    };

    private JsonBytesResult Accepted(OptimizationRecord record, OptimizationSpec spec, int status)
    {
        var location = "/" + ApiRoutes.Expand(OptimizationRoutes.Optimization, record.Id);
        var body = Describe(record, spec, [], null, null, options.Value.MetaPrompt) with { StatusUrl = location };
        return new JsonBytesResult(status, ContractsJson.Serialize(body)) { Location = location };
    }

    private async Task<OptimizationInfo> DescribeAsync(OptimizationRecord record, CancellationToken cancellationToken)
    {
        var spec = await store.GetSpecAsync(record.Id, cancellationToken);
        var rounds = (await store.ReadRoundsAsync(record.Id, cancellationToken))
            .Select(bytes => ContractsJson.Deserialize<OptimizationRound>(bytes)!)
            .ToList();
        var result = Result(record);
        var comparison = record.ComparisonJson is null ? null : ContractsJson.Deserialize<OptimizationComparison>(System.Text.Encoding.UTF8.GetBytes(record.ComparisonJson));
        return Describe(record, spec, rounds, result, comparison, options.Value.MetaPrompt) with { Review = Review(record) };
    }

    private static OptimizationReview? Review(OptimizationRecord record) =>
        record.ReviewJson is null ? null : ContractsJson.Deserialize<OptimizationReview>(System.Text.Encoding.UTF8.GetBytes(record.ReviewJson));

    private static OptimizationResult? Result(OptimizationRecord record) =>
        record.ResultJson is null ? null : ContractsJson.Deserialize<OptimizationResult>(System.Text.Encoding.UTF8.GetBytes(record.ResultJson));

    public static OptimizationInfo Describe(OptimizationRecord r, OptimizationSpec s, IReadOnlyList<OptimizationRound> rounds, OptimizationResult? result,
        OptimizationComparison? comparison, string metaPrompt) => new(
        r.Id,
        r.Status,
        r.Outcome,
        r.StopReason,
        r.Error,
        new OptimizationPromptInfo(s.PromptName, s.PromptVersionId, s.PromptSequence, s.PromptTag),
        new OptimizationDataInfo(s.DatasetName, s.DatasetVersionId, s.ValidationSplit, s.ValidationFraction, s.Seed, s.TrainCount, s.ValidationCount),
        s.GuardName is null ? null : new OptimizationGuardInfo(s.GuardName, s.GuardVersionId!, s.GuardSplit, s.GuardCount),
        new OptimizationModelInfo(s.Connection, s.Model, s.InvocationParameters.DeepClone()),
        new OptimizerInfo(s.OptimizerConnection, r.OptimizerModel ?? s.OptimizerModel, metaPrompt, r.MetaPromptVersionId),
        s.Evaluators.DeepClone(),
        s.TargetTag,
        s.CandidatesPerRound,
        new OptimizationBudgetInfo(s.MaxRounds, s.MaxModelCalls, s.MaxCost),
        new OptimizationSpent(r.RoundsCompleted, r.CallsSpent, r.CostSpent),
        r.CreatedBy,
        r.CreatedAt,
        r.StartedAt,
        r.CompletedAt,
        rounds,
        result,
        comparison);

    /// <summary>Reads the raw body within the API's size limit: the signature covers these exact bytes.</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) throw TooLarge(limit);
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) throw TooLarge(limit);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static ProblemException TooLarge(int limit) =>
        new(413, "Payload too large", $"The body exceeds the limit of {limit.ToString(CultureInfo.InvariantCulture)} bytes.");
}

/// <summary>
/// The signed hooks: no API key; the handler verifies the Standard Webhooks signature itself, since it covers the
/// body, which authentication runs before. Errors are <c>application/problem+json</c> like the native API's.
/// </summary>
public sealed class SignedHookDialect : IApiDialect
{
    public static readonly SignedHookDialect Instance = new();

    private static readonly ApiPrincipal Unverified = new("unverified-hook", ApiRoles.None);

    public ApiPrincipal Authenticate(HttpRequest request, ApiKeyAuthenticator keys) => Unverified;

    public IResult Error(ProblemException problem, HttpRequest request) =>
        new JsonBytesResult(problem.Status, JsonResponses.Serialize(problem.ToJson(request.Path)), JsonBytesResult.ProblemJson) { Headers = problem.Headers };
}
