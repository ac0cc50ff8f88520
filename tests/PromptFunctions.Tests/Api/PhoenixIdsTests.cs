using System.Text;
using PromptFunctions.Core.Compatibility.Phoenix;

namespace PromptFunctions.Tests.Api;

/// <summary>Phoenix GlobalIDs as we issue and read them, and the mapping of our fault paths onto Phoenix locations.</summary>
public sealed class PhoenixIdsTests
{
    private static readonly string Sha = new string('0', 63) + "f";

    public static TheoryData<string> Names => new() { "a", "0", "my-prompt", "with_underscore", "x1-y2_z3", new string('z', 128), "a--b" };

    [Theory, MemberData(nameof(Names))]
    public void Issued_ids_round_trip_and_need_no_escaping_in_a_path(string name)
    {
        var ids = new[] { PhoenixIds.Prompt(name), PhoenixIds.Version(name, Sha), PhoenixIds.Tag(name, "production") };
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9_-]+$", id));
        Assert.All(ids, id => Assert.Equal(id, Uri.EscapeDataString(id)));

        Assert.Equal(name, PhoenixIds.ParsePrompt(ids[0]));
        Assert.Equal((name, Sha), PhoenixIds.ParseVersion(ids[1]));
        Assert.Equal((name, "production"), PhoenixIds.ParseTag(ids[2]));
    }

    [Theory, MemberData(nameof(Names))]
    public void The_standard_padded_encoding_of_an_id_is_read_too(string name)
    {
        var standard = Convert.ToBase64String(Encoding.UTF8.GetBytes($"PromptVersion:{name}:{Sha}"));
        // Names and content ids never produce '+' or '/', so only the padding can differ from what we issue.
        Assert.DoesNotContain('+', standard);
        Assert.DoesNotContain('/', standard);
        Assert.Equal((name, Sha), PhoenixIds.ParseVersion(standard));
        Assert.Equal(PhoenixIds.Version(name, Sha), standard.TrimEnd('='));
    }

    [Theory]
    [InlineData("")]
    [InlineData("%%%")]
    [InlineData("a")]
    [InlineData("UHJvbXB0VmVyc2lvbjox")] // Phoenix's PromptVersion:1 has no prompt name in it
    [InlineData("UHJvbXB0VmVyc2lvbjpwOnh4eA+/")] // characters outside the URL-safe alphabet
    public void Malformed_or_foreign_ids_are_not_version_ids(string id) => Assert.Null(PhoenixIds.ParseVersion(id));

    [Fact]
    public void Each_id_kind_is_only_itself()
    {
        Assert.Null(PhoenixIds.ParseVersion(PhoenixIds.Prompt("p")));
        Assert.Null(PhoenixIds.ParseVersion(PhoenixIds.Tag("p", "t")));
        Assert.Null(PhoenixIds.ParsePrompt(PhoenixIds.Version("p", Sha)));
        Assert.Null(PhoenixIds.ParseTag(PhoenixIds.Version("p", Sha)));
        // Parts must be valid names and content ids, so an id cannot smuggle a storage key.
        Assert.Null(PhoenixIds.ParsePrompt(Encode("Prompt:Bad Name")));
        Assert.Null(PhoenixIds.ParsePrompt(Encode("Prompt:a|b")));
        Assert.Null(PhoenixIds.ParseVersion(Encode("PromptVersion:p:" + Sha.ToUpperInvariant())));
        Assert.Null(PhoenixIds.ParseVersion(Encode("PromptVersion:p:v1")));
        Assert.Null(PhoenixIds.ParseTag(Encode("PromptVersionTag:p:Prod")));
        Assert.Null(PhoenixIds.ParseVersion(new string('A', 2000)));
        // Not UTF-8.
        Assert.Null(PhoenixIds.ParsePrompt(Convert.ToBase64String([0xff, 0xfe, 0x41])));
        // Phoenix's own ids carry row numbers; "Prompt:1" names the prompt called "1", like any name would.
        Assert.Equal("1", PhoenixIds.ParsePrompt("UHJvbXB0OjE="));
    }

    [Theory]
    [InlineData("$.template.messages[2].content[0].text", "openai", "body.version.template.messages.2.content.0.text")]
    [InlineData("$.invocation_parameters.temperature", "anthropic", "body.version.invocation_parameters.anthropic.temperature")]
    [InlineData("$.invocation_parameters['odd name'].x", "openai", "body.version.invocation_parameters.openai.odd name.x")]
    [InlineData("$.model.name", "openai", "body.version.model_name")]
    [InlineData("$.tools.parallel_tool_calls", "openai", "body.version.tools.disable_parallel_tool_calls")]
    [InlineData("$.tools.tool_choice.function.name", "openai", "body.version.tools.tool_choice.function_name")]
    [InlineData("$.response_format.json_schema.schema", "openai", "body.version.response_format.json_schema.schema")]
    public void Native_fault_paths_map_onto_the_Phoenix_body(string nativePath, string invocationType, string expected)
    {
        var location = PhoenixFaultLocations.PhoenixLocation(["body", "version"], nativePath, invocationType);
        Assert.Equal(expected, string.Join('.', location));
    }

    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
