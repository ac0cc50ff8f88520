namespace PromptFunctions.Tests.Infrastructure;

/// <summary>
/// A web page build folder written by the tests (so they do not depend on the npm build): an index page with a
/// marker, a favicon, and one hashed script with brotli and gzip copies whose bytes tell which copy was served.
/// </summary>
public static class TestSite
{
    public const string IndexMarker = "index-marker";
    public const string Script = "/assets/index-Ab12Cd34.js";

    public static async Task WriteAsync(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "assets"));
        await File.WriteAllTextAsync(Path.Combine(root, "index.html"), $"<!doctype html><title>PromptFunctions</title><div id=app>{IndexMarker}</div>");
        await File.WriteAllTextAsync(Path.Combine(root, "favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        await File.WriteAllTextAsync(Path.Combine(root, "assets", "index-Ab12Cd34.js"), "console.log('identity')");
        // The host does not decode these: it serves whichever copy the client accepts, byte for byte.
        await File.WriteAllTextAsync(Path.Combine(root, "assets", "index-Ab12Cd34.js.br"), "brotli-copy");
        await File.WriteAllTextAsync(Path.Combine(root, "assets", "index-Ab12Cd34.js.gz"), "gzip-copy");
    }
}
