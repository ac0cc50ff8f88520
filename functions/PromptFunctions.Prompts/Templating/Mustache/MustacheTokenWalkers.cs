using PromptFunctions.Prompts.Rendering;
using Stubble.Core.Tokens;

namespace PromptFunctions.Prompts.Templating.Mustache;

/// <summary>
/// Replays the lookups rendering makes, against the same context stack, and records every name that does not
/// resolve. Sections over lists are visited once per element, falsy and missing sections are not entered, and
/// inverted sections are entered only when their value is falsy or missing.
/// </summary>
internal sealed class MissingVariableCollector
{
    private readonly List<string> missing = [];
    private readonly HashSet<string> reported = new(StringComparer.Ordinal);
    private readonly RenderBudget budget;

    private MissingVariableCollector(RenderBudget budget) => this.budget = budget;

    /// <summary>The walk repeats the render's lookups, so it is charged to the same budget.</summary>
    public static IReadOnlyList<string> Collect(MustacheTemplate template, MustacheObject variables, RenderBudget budget)
    {
        var collector = new MissingVariableCollector(budget);
        collector.Visit(template.Children, MustacheContextStack.Root(variables));
        return collector.missing;
    }

    private void Visit(List<MustacheToken> tokens, MustacheContextStack stack)
    {
        foreach (var token in tokens)
        {
            budget.Step();
            switch (token)
            {
                case InterpolationToken interpolation:
                    Lookup(stack, interpolation.Content.ToString(), out _);
                    break;
                case SectionToken section:
                    if (Lookup(stack, section.SectionName, out var value) && MustacheSemantics.IsTruthy(value))
                    {
                        if (value is MustacheList items)
                        {
                            foreach (var item in items)
                            {
                                budget.Step();
                                Visit(section.Children, stack.Push(item));
                            }
                        }
                        else
                        {
                            Visit(section.Children, stack.Push(value));
                        }
                    }
                    break;
                case InvertedSectionToken inverted:
                    if (!Lookup(stack, inverted.SectionName, out var condition) || !MustacheSemantics.IsTruthy(condition))
                    {
                        Visit(inverted.Children, stack);
                    }
                    break;
            }
        }
    }

    private bool Lookup(MustacheContextStack stack, string name, out object value)
    {
        if (stack.TryResolve(name, out value)) return true;
        if (reported.Add(name)) missing.Add(name);
        return false;
    }
}

/// <summary>Lists the top-level names a template reads, wherever they appear, without evaluating anything.</summary>
internal static class VariableNameCollector
{
    public static IReadOnlyList<string> Collect(MustacheTemplate template)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Visit(template.Children, names, seen);
        return names;
    }

    private static void Visit(List<MustacheToken> tokens, List<string> names, HashSet<string> seen)
    {
        foreach (var token in tokens)
        {
            var name = token switch
            {
                InterpolationToken interpolation => interpolation.Content.ToString(),
                SectionToken section => section.SectionName,
                InvertedSectionToken inverted => inverted.SectionName,
                _ => null,
            };
            if (name is not null && TopLevelName(name) is { } top && seen.Add(top)) names.Add(top);
            if (token is BlockToken block) Visit(block.Children, names, seen);
        }
    }

    /// <summary><c>user</c> for <c>user.name</c>; nothing for the implicit iterator <c>.</c>.</summary>
    private static string? TopLevelName(string name)
    {
        if (name == ".") return null;
        var dot = name.IndexOf('.');
        return dot > 0 ? name[..dot] : name;
    }
}
