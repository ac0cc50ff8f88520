using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Datasets;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Experiments;

/// <summary>
/// Issue 13, families 5 and 8 on both hosts: one render bound for <c>/render</c>, the playground and experiments
/// (configurable, and said so in the answer), and CSV exports that a spreadsheet cannot run as formulas.
/// </summary>
public sealed class RenderLimitAndExportTests
{
    private const int MaxChars = 5000;

    private static readonly Dictionary<string, string?> SmallRenders = new() { ["PromptHub:MaxRenderedChars"] = MaxChars.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static JsonObject FString(string template) => new()
    {
        ["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = template }),
        ["template_format"] = "f_string",
        ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
    };

    // Not on the Functions host: the render limit is a setting, so it needs a host of its own (tens of seconds on a
    // loaded machine); rendering is the handlers' own, and the real host runs the export test below.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Render_playground_and_experiments_share_one_configurable_render_limit(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind, settings: SmallRenders);
        var api = host.Api;
        var wide = Drivers.PromptName("wide");
        var fits = Drivers.PromptName("fits");
        await api.CreateVersionAsync(wide, FString("{x:>3000}{x:>3000}"));
        await api.CreateVersionAsync(fits, FString("{x:>3000}"));
        var nested = Drivers.PromptName("nested");
        await api.CreateVersionAsync(nested, JsonNode.Parse("""{"template":"{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}"}""")!);
        var variables = new JsonObject { ["x"] = "y" };
        var before = await api.Storage.SnapshotAsync();

        var tooLong = await api.PostAsync($"/api/prompts/{wide}/render", new JsonObject { ["variables"] = variables.DeepClone() });
        Assert.True(tooLong.Status == 422, tooLong.ToString());
        Assert.StartsWith("application/problem+json", tooLong.ContentType);
        Assert.Equal("Render limit exceeded", tooLong.Json["title"].Str());
        Assert.Contains("longer than 5,000 characters", tooLong.Json["detail"].Str());
        Assert.Equal("PromptHub:MaxRenderedChars", tooLong.Json["setting"].Str());
        Assert.Equal(MaxChars, tooLong.Json["limit"]!.GetValue<int>());

        var rendered = await api.PostAsync($"/api/prompts/{fits}/render", new JsonObject { ["variables"] = variables.DeepClone() });
        Assert.Equal(200, rendered.Status);
        Assert.Equal(3000, rendered.Json["messages"]![0]!["content"].Str()!.Length);

        var list = new JsonArray(Enumerable.Range(0, 100).Select(i => (JsonNode?)i).ToArray());
        var busy = await api.PostAsync($"/api/prompts/{nested}/render", new JsonObject { ["variables"] = new JsonObject { ["l"] = list } });
        Assert.True(busy.Status == 422, busy.ToString());
        Assert.Equal("PromptHub:MaxRenderWork", busy.Json["setting"].Str());
        Assert.Equal(before, await api.Storage.SnapshotAsync());

        // The playground and experiments render with the same bound; a render that exceeds it is that row's error,
        // like any other render failure, and never reaches the model.
        var playground = await api.PostAsync("/api/playground", new JsonObject { ["prompt"] = new JsonObject { ["name"] = wide }, ["variables"] = variables.DeepClone() });
        Assert.Equal(200, playground.Status);
        var error = playground.Json["results"]![0]!["error"].Str();
        Assert.Equal("render failed: the rendered prompt would be longer than 5,000 characters, the limit of one render (PromptHub:MaxRenderedChars)", error);

        await host.UploadAsync("xs", Enumerable.Range(0, 3).Select(i => new JsonObject { ["input"] = new JsonObject { ["x"] = $"{i}" } }));
        var experiment = await host.WaitAsync((await host.StartAsync(new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = wide },
            ["dataset"] = new JsonObject { ["name"] = "xs" },
        }))["id"].Str()!);
        Assert.Equal("completed", experiment["status"].Str());
        var rows = await host.RowsAsync(experiment["id"].Str()!);
        Assert.Equal(3, rows.Count);
        Assert.All(rows, row => Assert.Equal(error, row["error"].Str()));
        Assert.Equal(0, host.Model.Calls);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Csv_export_cells_that_a_spreadsheet_would_run_are_text(string kind)
    {
        // Names of its own: on the Functions host every class shares one host.
        var dataset = Drivers.PromptName("hostile");
        // The model answers with what a hostile document might make it say.
        string[] outputs = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\tx", "\rx", "plain", "-"];
        await using var host = await ExperimentTestHost.StartAsync(kind, request => StubReply.Text(outputs[int.Parse(request.LastUserText, System.Globalization.CultureInfo.InvariantCulture)]));
        var api = host.Api;
        var prompt = Drivers.PromptName("echo");
        await api.CreateVersionAsync(prompt, JsonNode.Parse("""{"template":[{"role":"user","content":"{{i}}"}],"model":{"provider":"openai_compatible","name":"stub-model"}}""")!);
        await host.UploadAsync(dataset, outputs.Select((_, i) => new JsonObject
        {
            ["id"] = i == 0 ? "=cmd|' /C calc'!A0" : $"row-{i}",
            ["input"] = new JsonObject { ["i"] = i },
            ["expected"] = i == 0 ? "@expected" : "-1",
        }));
        var experiment = await host.WaitAsync((await host.StartAsync(new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = prompt },
            ["dataset"] = new JsonObject { ["name"] = dataset },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"},{"type":"levenshtein","threshold":0.5}]"""),
        }))["id"].Str()!);
        Assert.Equal("completed", experiment["status"].Str());

        var export = await api.GetAsync($"/api/experiments/{experiment["id"].Str()}/export?format=csv");
        Assert.Equal(200, export.Status);
        var lines = ReadCsv(export.Body);
        var header = lines[0];
        var byId = lines.Skip(1).ToDictionary(cells => cells[0]);
        Assert.Equal(outputs.Length, byId.Count);
        var output = header.IndexOf("output");
        var expected = header.IndexOf("expected");
        var latency = header.IndexOf("latency_ms");
        var first = byId["'=cmd|' /C calc'!A0"];
        Assert.Equal("'=HYPERLINK(\"http://evil\",\"x\")", first[output]);
        Assert.Equal("\"@expected\"", first[expected]); // JSON text starts with a quote, which no spreadsheet runs
        Assert.Equal("'+1+1", byId["row-1"][output]);
        Assert.Equal("'-2+3", byId["row-2"][output]);
        Assert.Equal("'@SUM(A1:A9)", byId["row-3"][output]);
        Assert.Equal("'\tx", byId["row-4"][output]);
        Assert.Equal("'\rx", byId["row-5"][output]);
        Assert.Equal("plain", byId["row-6"][output]);
        Assert.Equal("'-", byId["row-7"][output]);
        // Numbers the export writes itself stay numbers, and JSON text is not a formula.
        Assert.All(byId.Values, cells => Assert.True(double.TryParse(cells[latency], System.Globalization.CultureInfo.InvariantCulture, out _), cells[latency]));
        Assert.Equal("\"-1\"", byId["row-1"][expected]);
        Assert.Equal("0", byId["row-1"][header.IndexOf("exact_match.score")]);
    }

    /// <summary>RFC 4180 fields: quoted fields may hold separators, doubled quotes and line breaks.</summary>
    private static List<List<string>> ReadCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
            }
            else if (c != '\r' || i + 1 >= text.Length || text[i + 1] != '\n') field.Append(c);
        }
        return rows;
    }
}
