namespace PromptFunctions.Contracts.Routes;

/// <summary>One HTTP route: the name both hosts give it (Functions function name, endpoint name), its method and template.</summary>
/// <param name="Method">The HTTP method, upper case.</param>
/// <param name="Name">The Functions function name and the local host's endpoint name.</param>
/// <param name="Template">The full path template from the site root, e.g. <c>api/prompts/{name}</c>.</param>
public sealed record RouteDefinition(string Name, string Method, string Template);
