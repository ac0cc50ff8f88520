namespace PromptFunctions.Client;

/// <summary>Fetches prompt versions from a PromptFunctions service, through an in-process cache.</summary>
public interface IPromptFunctionsClient
{
    /// <summary>
    /// The version <paramref name="reference"/> names. A cached answer returns at once without a request; an expired
    /// tag or latest answer also returns at once and is revalidated in the background.
    /// </summary>
    /// <param name="name">The prompt name.</param>
    /// <param name="reference"><see cref="PromptReference.Tag"/>, <see cref="PromptReference.Version(string)"/> or <see cref="PromptReference.Latest"/>.</param>
    /// <param name="cancellationToken">Stops this caller's wait; a request other callers share keeps running.</param>
    /// <exception cref="ArgumentException">The name or reference is not one the API accepts; nothing is sent.</exception>
    /// <exception cref="PromptNotFoundException">The prompt, tag or version does not exist.</exception>
    /// <exception cref="PromptAuthorizationException">The key is missing, wrong, or lacks the read role.</exception>
    /// <exception cref="PromptServiceUnavailableException">The service cannot answer, nothing is cached and no fallback is configured.</exception>
    Task<PromptVersion> GetPromptAsync(string name, PromptReference reference, CancellationToken cancellationToken = default);
}
