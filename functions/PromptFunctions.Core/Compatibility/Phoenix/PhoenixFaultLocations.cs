using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Templating;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Compatibility.Phoenix;

/// <summary>Where a fault our readers report (a JSON path in our document) lies in the Phoenix request body.</summary>
public static class PhoenixFaultLocations
{
    /// <summary>
    /// Where a fault in our document lies in the Phoenix body: the same path, except for the members whose names
    /// or nesting differ between the two shapes.
    /// </summary>
    public static IReadOnlyList<object> PhoenixLocation(IReadOnlyList<object> versionLocation, string nativePath, string invocationType)
    {
        var segments = ParsePath(nativePath);
        var mapped = new List<object>(versionLocation);
        switch (segments)
        {
            case ["invocation_parameters", .. var rest]:
                mapped.AddRange(["invocation_parameters", invocationType, .. rest]);
                break;
            case ["model", "provider", ..]:
                mapped.Add("model_provider");
                break;
            case ["model", ..]:
                mapped.Add("model_name");
                break;
            case ["tools", "parallel_tool_calls", ..]:
                mapped.AddRange(["tools", "disable_parallel_tool_calls"]);
                break;
            case ["tools", "tool_choice", "function", ..]:
                mapped.AddRange(["tools", "tool_choice", "function_name"]);
                break;
            default:
                mapped.AddRange(segments);
                break;
        }
        return mapped;
    }

    /// <summary>Splits a <see cref="ValidatingJsonReader"/> path (<c>$.a.b[0]['c d']</c>) into member names and indexes.</summary>
    public static List<object> ParsePath(string path)
    {
        var segments = new List<object>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] != '.' && path[end] != '[') end++;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var name = new System.Text.StringBuilder();
                var j = i + 2;
                while (j < path.Length && !(path[j] == '\'' && path[j - 1] != '\\'))
                {
                    if (path[j] == '\\' && j + 1 < path.Length && path[j + 1] == '\'') j++;
                    name.Append(path[j]);
                    j++;
                }
                segments.Add(name.ToString());
                i = j + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0) break;
                segments.Add(int.Parse(path.AsSpan(i + 1, end - i - 1), CultureInfo.InvariantCulture));
                i = end + 1;
            }
            else
            {
                break;
            }
        }
        return segments;
    }
}
