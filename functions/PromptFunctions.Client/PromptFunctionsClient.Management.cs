using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Experiments;
using PromptFunctions.Contracts.Prompts;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Contracts.Suites;

namespace PromptFunctions.Client;

/// <summary>A management answer together with the entity tag the service sent with it.</summary>
public sealed record Tagged<T>(T Value, string? ETag, HttpStatusCode Status);

// Management calls (publishing, tags, suites, experiments): what the pf CLI and CI scripts use. Unlike fetches they
// are never cached and never fall back; failures raise the same exception types, with the service's problem.
public sealed partial class PromptFunctionsClient
{
    // The service leaves null members out of its answers (WhenWritingNull), so a positional member that is absent
    // reads as null here instead of failing as a missing required parameter.
    private static readonly ContractsJsonContext AnswerJson = new(new System.Text.Json.JsonSerializerOptions(ContractsJson.Options) { RespectRequiredConstructorParameters = false });

    /// <summary>Saves a version (identical content answers the existing version with <c>created</c> false) and moves <see cref="CreateVersionRequest.Tags"/> onto it.</summary>
    public async Task<CreatedVersionResponse> CreateVersionAsync(string prompt, CreateVersionRequest request, CancellationToken cancellationToken = default) =>
        (await SendAsync<CreateVersionRequest, CreatedVersionResponse>(HttpMethod.Post, ApiRoutes.Expand(PromptRoutes.Versions, prompt), request, null, prompt, cancellationToken)).Value;

    /// <summary>Points <paramref name="tag"/> at <see cref="MoveTagRequest.Version"/>.</summary>
    public async Task<TagChangeResponse> MoveTagAsync(string prompt, string tag, MoveTagRequest request, CancellationToken cancellationToken = default) =>
        (await SendAsync<MoveTagRequest, TagChangeResponse>(HttpMethod.Put, ApiRoutes.Expand(TagRoutes.Tag, prompt, tag), request, null, prompt, cancellationToken)).Value;

    /// <summary>Returns <paramref name="tag"/> to where it pointed before its last change.</summary>
    public async Task<TagChangeResponse> RollbackTagAsync(string prompt, string tag, RollbackRequest request, CancellationToken cancellationToken = default) =>
        (await SendAsync<RollbackRequest, TagChangeResponse>(HttpMethod.Post, ApiRoutes.Expand(TagRoutes.Rollback, prompt, tag), request, null, prompt, cancellationToken)).Value;

    /// <summary>The structured difference between two versions (ids, <c>v{n}</c>, <c>latest</c> or <c>tag:{name}</c>).</summary>
    public async Task<DiffResponse> DiffAsync(string prompt, string from, string to, CancellationToken cancellationToken = default) =>
        (await SendAsync<object, DiffResponse>(HttpMethod.Get, $"{ApiRoutes.Expand(PromptRoutes.Diff, prompt)}?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}", null, null, prompt, cancellationToken)).Value;

    /// <summary>Creates or replaces a suite; <paramref name="ifMatch"/> (an unquoted entity tag) makes the write conditional.</summary>
    public Task<Tagged<SuiteResponse>> PutSuiteAsync(string name, SuiteDefinition definition, string? ifMatch = null, CancellationToken cancellationToken = default) =>
        SendAsync<SuiteDefinition, SuiteResponse>(HttpMethod.Put, ApiRoutes.Expand(SuiteRoutes.Suite, name), definition, ifMatch, null, cancellationToken);

    /// <summary>A suite's definition and its entity tag.</summary>
    public Task<Tagged<SuiteResponse>> GetSuiteAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<object, SuiteResponse>(HttpMethod.Get, ApiRoutes.Expand(SuiteRoutes.Suite, name), null, null, null, cancellationToken);

    /// <summary>Starts a run of the suite now; poll <see cref="GetSuiteRunAsync"/> until it is completed or failed.</summary>
    public async Task<SuiteRunResponse> StartSuiteRunAsync(string name, CancellationToken cancellationToken = default) =>
        (await SendAsync<object, SuiteRunResponse>(HttpMethod.Post, ApiRoutes.Expand(SuiteRoutes.Runs, name), null, null, null, cancellationToken)).Value;

    /// <summary>A suite run: its status and, once completed, its verdicts and drift check.</summary>
    public async Task<SuiteRunResponse> GetSuiteRunAsync(string id, CancellationToken cancellationToken = default) =>
        (await SendAsync<object, SuiteRunResponse>(HttpMethod.Get, ApiRoutes.Expand(SuiteRoutes.Run, id), null, null, null, cancellationToken)).Value;

    /// <summary>Suite verdicts of completed experiments on the same dataset version: <paramref name="candidates"/> against <paramref name="baseline"/>.</summary>
    public async Task<GateVerdictResponse> GetSuiteVerdictsAsync(string baseline, IReadOnlyList<string> candidates, double? margin = null, CancellationToken cancellationToken = default)
    {
        var query = $"?baseline={Uri.EscapeDataString(baseline)}" + string.Concat(candidates.Select(c => $"&candidate={Uri.EscapeDataString(c)}"))
            + (margin is { } m ? $"&margin={m.ToString("R", CultureInfo.InvariantCulture)}" : "");
        return (await SendAsync<object, GateVerdictResponse>(HttpMethod.Get, SuiteRoutes.Verdicts + query, null, null, null, cancellationToken)).Value;
    }

    /// <summary>Starts an experiment; poll <see cref="GetExperimentAsync"/> until its status is final.</summary>
    public async Task<ExperimentStatusResponse> StartExperimentAsync(StartExperimentRequest request, CancellationToken cancellationToken = default) =>
        (await SendAsync<StartExperimentRequest, ExperimentStatusResponse>(HttpMethod.Post, ExperimentRoutes.Experiments, request, null, request.Prompt.Name, cancellationToken)).Value;

    /// <summary>An experiment's status.</summary>
    public async Task<ExperimentStatusResponse> GetExperimentAsync(string id, CancellationToken cancellationToken = default) =>
        (await SendAsync<object, ExperimentStatusResponse>(HttpMethod.Get, ApiRoutes.Expand(ExperimentRoutes.Experiment, id), null, null, null, cancellationToken)).Value;

    private async Task<Tagged<TResponse>> SendAsync<TRequest, TResponse>(HttpMethod method, string path, TRequest? body, string? ifMatch, string? prompt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_root, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        request.Headers.UserAgent.Add(UserAgent);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (ifMatch is not null) request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{ifMatch}\""));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(ContractsJson.Serialize(body));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        HttpResponseMessage? response = null;
        byte[] bytes;
        try
        {
            response = await _http().SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsOutage(e) && !cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            throw new PromptServiceUnavailableException($"{method} /{path} could not be sent: {e.Message}", prompt, null, null, null, e);
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                var value = (TResponse?)System.Text.Json.JsonSerializer.Deserialize(bytes, AnswerJson.GetTypeInfo(typeof(TResponse))!)
                    ?? throw new PromptFunctionsException($"{method} /{path} answered {status} without a body.", prompt, null, response.StatusCode, null);
                return new Tagged<TResponse>(value, response.Headers.ETag?.Tag.Trim('"'), response.StatusCode);
            }
            var problem = PromptProblemDetails.TryParse(bytes, status);
            var detail = problem?.Detail ?? response.ReasonPhrase ?? "no detail";
            var message = $"{method} /{path} failed with {status}: {detail}";
            throw status switch
            {
                404 => new PromptNotFoundException(message, prompt, null, problem),
                401 or 403 => new PromptAuthorizationException(message, prompt, null, response.StatusCode, problem),
                408 or 429 or >= 500 => new PromptServiceUnavailableException(message, prompt, null, response.StatusCode, problem, null),
                _ => new PromptFunctionsException(message, prompt, null, response.StatusCode, problem),
            };
        }
    }
}
