using System.Net;
using PromptFunctions.Client.Tests.Infrastructure;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Client.Tests;

public sealed class ErrorTests(LocalHostFixture fixture) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task A_missing_prompt_tag_or_version_is_not_found_with_the_problem_details()
    {
        var prompt = TestPrompts.Name("missing");
        await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("Exists."), "staging");
        await using var harness = ClientHarness.Create(fixture.BaseUrl);

        var noPrompt = await Assert.ThrowsAsync<PromptNotFoundException>(() => harness.GetAsync(TestPrompts.Name("nobody"), PromptReference.Production));
        var noTag = await Assert.ThrowsAsync<PromptNotFoundException>(() => harness.GetAsync(prompt, PromptReference.Production));
        var noVersion = await Assert.ThrowsAsync<PromptNotFoundException>(() => harness.GetAsync(prompt, PromptReference.Version(7)));

        Assert.Equal(HttpStatusCode.NotFound, noTag.StatusCode);
        Assert.Equal(prompt, noTag.PromptName);
        Assert.Equal(PromptReference.Production, noTag.Reference);
        Assert.NotNull(noTag.Problem);
        Assert.Equal(404, noTag.Problem.Status);
        Assert.Equal($"Prompt '{prompt}' has no tag 'production'.", noTag.Problem.Detail);
        Assert.Equal($"/api/prompts/{prompt}/tags/production", noTag.Problem.Instance);
        Assert.Contains("does not exist", noPrompt.Problem!.Detail);
        Assert.Contains("has no version 'v7'", noVersion.Message);
        // Errors are not cached: each call asks again.
        await Assert.ThrowsAsync<PromptNotFoundException>(() => harness.GetAsync(prompt, PromptReference.Production));
        Assert.Equal([404, 404, 404, 404], harness.Log.Records.Select(r => r.Status!.Value));
    }

    [Fact]
    public async Task A_wrong_key_is_unauthorized_and_a_key_without_read_is_forbidden()
    {
        var prompt = TestPrompts.Name("auth");
        await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("Secret."), "production");
        await using var wrongKey = ClientHarness.Create(fixture.BaseUrl, apiKey: "not-a-key-of-this-service-000");
        await using var promoteOnly = ClientHarness.Create(fixture.BaseUrl, apiKey: LocalHostFixture.PromoteOnlyKey);

        var unauthorized = await Assert.ThrowsAsync<PromptAuthorizationException>(() => wrongKey.GetAsync(prompt, PromptReference.Production));
        var forbidden = await Assert.ThrowsAsync<PromptAuthorizationException>(() => promoteOnly.GetAsync(prompt, PromptReference.Production));

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.False(unauthorized.IsForbidden);
        Assert.Equal(401, unauthorized.Problem!.Status);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.True(forbidden.IsForbidden);
        Assert.Contains("lacks the 'read' role", forbidden.Problem!.Detail);
        // Not retried: a key problem does not go away by asking again.
        Assert.Single(wrongKey.Log.Records);
        Assert.Single(promoteOnly.Log.Records);
    }

    [Fact]
    public async Task A_deleted_tag_drops_the_cached_answer_on_revalidation()
    {
        var prompt = TestPrompts.Name("deleted");
        await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("Soon gone."), "staging");
        await using var harness = ClientHarness.Create(fixture.BaseUrl);
        var cached = await harness.GetAsync(prompt, PromptReference.Tag("staging"));

        Assert.Equal(204, (await fixture.Host.DeleteAsync($"/api/prompts/{prompt}/tags/staging")).Status);
        harness.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Same(cached, await harness.GetAsync(prompt, PromptReference.Tag("staging")));
        await harness.IdleAsync();

        await Assert.ThrowsAsync<PromptNotFoundException>(() => harness.GetAsync(prompt, PromptReference.Tag("staging")));
    }

    [Fact]
    public async Task Every_error_is_a_prompt_functions_exception()
    {
        await using var harness = ClientHarness.Create(fixture.BaseUrl, apiKey: TestKeys.Reader);
        var error = await Assert.ThrowsAnyAsync<PromptFunctionsException>(() => harness.GetAsync(TestPrompts.Name("none"), PromptReference.Latest));
        Assert.IsType<PromptNotFoundException>(error);
    }
}
