using System.Text.Json.Nodes;
using PromptFunctions.StubModel;

namespace PromptFunctions.Tests.Optimization;

/// <summary>How the scripted optimizer rewrites the template from the failures it is shown.</summary>
public enum OptimizerScript
{
    /// <summary>One candidate with a rule for every category among the shown failures, one with only the first of those rules.</summary>
    Rules,
    /// <summary>One candidate adding rules for at most two new categories per round: progress takes several rounds.</summary>
    TwoRulesPerRound,
    /// <summary>One candidate that memorizes the shown examples' answers: it wins on them and on nothing else.</summary>
    Memorize,
    /// <summary>One candidate that renames a template variable, then the <see cref="Rules"/> candidate.</summary>
    ChangeVariables,
}

/// <summary>
/// A scripted task where the right instructions are findable. Support tickets belong to five categories; the right
/// answer is the category's routing code. The stub task model answers a ticket correctly only when the system
/// message holds the rule for its category (<c>If the ticket is about X, answer CODE.</c>) or memorizes that exact
/// ticket; otherwise it answers <c>GEN-0</c>, which is right only for <c>general</c>. So a prompt with no rules
/// passes about one ticket in five. The stub optimizer reads the failures the meta-prompt shows it (each example's
/// input and expected answer) and writes rules from them, as <see cref="OptimizerScript"/> says.
/// Greeting tickets (the guard set) are answered <c>HELLO</c>, correctly, only while the system message has no rules.
/// </summary>
public static class SupportRouting
{
    public const string TaskModel = "stub-model";
    public const string OptimizerModel = "stub-optimizer";
    public const string SystemMessage = "You route support tickets. Answer with the routing code only.";
    public const string UserMessage = "Ticket ({{category}}): {{question}}";

    public static readonly IReadOnlyDictionary<string, string> Codes = new Dictionary<string, string>
    {
        ["general"] = "GEN-0",
        ["shipping"] = "SHIP-7",
        ["billing"] = "BILL-3",
        ["refund"] = "REF-2",
        ["account"] = "ACC-5",
    };

    private static readonly string[] Categories = ["general", "shipping", "billing", "refund", "account"];

    public static JsonObject Version() => new()
    {
        ["template"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = SystemMessage },
            new JsonObject { ["role"] = "user", ["content"] = UserMessage }),
    };

    /// <summary>60 tickets, 12 per category; every third is in split <c>validation</c> (4 per category), the rest in none.</summary>
    public static IEnumerable<JsonObject> Tickets(int count = 60) => Enumerable.Range(0, count).Select(i =>
    {
        var category = Categories[i % Categories.Length];
        var ticket = new JsonObject
        {
            ["id"] = $"t{i:D2}",
            ["input"] = new JsonObject { ["category"] = category, ["question"] = $"case {i} about my {category}" },
            ["expected"] = Codes[category],
        };
        if (i % 3 == 0) ticket["split"] = "validation";
        return ticket;
    });

    public static IEnumerable<JsonObject> Greetings(int count = 10) => Enumerable.Range(0, count).Select(i => new JsonObject
    {
        ["id"] = $"g{i:D2}",
        ["input"] = new JsonObject { ["category"] = "greeting", ["question"] = $"hello number {i}" },
        ["expected"] = "HELLO",
    });

    public static string Rule(string category) => $"If the ticket is about {category}, answer {Codes[category]}.";

    private static string Memorized(string question, string code) => $"For the ticket \"{question}\", answer {code}.";

    public static Func<StubRequest, StubReply> Responder(OptimizerScript script) =>
        request => request.Model == OptimizerModel ? Optimize(request, script) : Answer(request);

    /// <summary>The task model.</summary>
    public static StubReply Answer(StubRequest request)
    {
        var system = request.SystemText;
        var user = request.LastUserText;
        var open = user.IndexOf('(', StringComparison.Ordinal);
        var close = user.IndexOf("): ", StringComparison.Ordinal);
        if (!user.StartsWith("Ticket (", StringComparison.Ordinal) || close < 0) return StubReply.Text("UNKNOWN");
        var category = user[(open + 1)..close];
        var question = user[(close + 3)..];
        if (category == "greeting") return StubReply.Text(system.Contains("If the ticket is about", StringComparison.Ordinal) ? "GEN-0" : "HELLO");
        if (Codes.TryGetValue(category, out var code) && (system.Contains(Rule(category), StringComparison.Ordinal) || system.Contains(Memorized(question, code), StringComparison.Ordinal)))
            return StubReply.Text(code);
        return StubReply.Text("GEN-0");
    }

    /// <summary>The optimizer: parses the meta-prompt's user message (the current template and the examples shown).</summary>
    public static StubReply Optimize(StubRequest request, OptimizerScript script)
    {
        var text = request.LastUserText;
        var lines = text.Split('\n');
        var templateLine = Array.FindIndex(lines, l => l.StartsWith("Current template (JSON):", StringComparison.Ordinal)) + 1;
        var template = JsonNode.Parse(lines[templateLine])!.AsArray();
        var failures = new List<(string Category, string Question, string Expected)>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("Input: ", StringComparison.Ordinal)) continue;
            var input = JsonNode.Parse(lines[i]["Input: ".Length..])!;
            var expected = JsonNode.Parse(lines[i + 1]["Expected: ".Length..])!.GetValue<string>();
            failures.Add(((string)input["category"]!, (string)input["question"]!, expected));
        }
        var system = (string)template.First(m => (string?)m!["role"] == "system")!["content"]!;
        var newCategories = failures.Select(f => f.Category).Distinct().Where(c => Codes.ContainsKey(c) && !system.Contains(Rule(c), StringComparison.Ordinal)).ToList();

        JsonObject Candidate(IEnumerable<string> additions, string rationale, Func<string, string>? user = null)
        {
            var rewritten = template.DeepClone().AsArray();
            foreach (var message in rewritten)
            {
                if ((string?)message!["role"] == "system") message["content"] = string.Join("\n", new[] { system }.Concat(additions));
                else if (user is not null) message["content"] = user((string)message["content"]!);
            }
            return new JsonObject { ["template"] = rewritten, ["rationale"] = rationale };
        }

        var rules = newCategories.Select(Rule).ToList();
        var candidates = script switch
        {
            OptimizerScript.Rules => new[]
            {
                Candidate(rules, $"adds the routing rules for {string.Join(", ", newCategories)}"),
                Candidate(rules.Take(1), "adds one routing rule"),
            },
            OptimizerScript.TwoRulesPerRound => [Candidate(rules.Take(2), $"adds the routing rules for {string.Join(", ", newCategories.Take(2))}")],
            OptimizerScript.Memorize => [Candidate(failures.Select(f => Memorized(f.Question, f.Expected)), "remembers the answers of the failed tickets")],
            OptimizerScript.ChangeVariables =>
            [
                Candidate(rules, "renames the category variable", u => u.Replace("{{category}}", "{{topic}}", StringComparison.Ordinal)),
                Candidate(rules, $"adds the routing rules for {string.Join(", ", newCategories)}"),
            ],
            _ => throw new ArgumentOutOfRangeException(nameof(script)),
        };
        return StubReply.Text(new JsonObject { ["candidates"] = new JsonArray(candidates.Select(c => (JsonNode?)c).ToArray()) }.ToJsonString());
    }
}
