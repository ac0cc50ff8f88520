using System.Diagnostics;

namespace PromptFunctions.Bench;

/// <summary>Runs bench/langfuse-get.mjs (the real @langfuse/client) against a host this process started.</summary>
public static class LangfuseBench
{
    public static async Task<int> RunAsync(Uri host, string keyName, string key, int seconds)
    {
        var script = Path.Combine(FindRoot(), "bench", "langfuse-get.mjs");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.Environment["PF_BASE_URL"] = host.ToString().TrimEnd('/');
        start.Environment["PF_KEY_NAME"] = keyName;
        start.Environment["PF_KEY"] = key;
        start.Environment["PF_BENCH_SECONDS"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Console.WriteLine();
        Console.WriteLine("@langfuse/client prompt.get against the same host:");
        Console.WriteLine(output.Trim());
        if (process.ExitCode != 0) Console.Error.WriteLine(errors);
        return process.ExitCode;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PromptFunctions.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("run the benchmark from the repository (PromptFunctions.sln not found above the binaries)");
    }
}
