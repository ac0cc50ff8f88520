using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace PromptFunctions.Tests.Infrastructure;

/// <summary>
/// One Azurite storage emulator per test process, started on first use with in-memory persistence on free loopback
/// ports and killed when the process exits. Tests share the server but never its data: each test creates its own
/// tables and containers named with <see cref="UniqueName"/>.
/// </summary>
/// <remarks>
/// Set <c>PF_TEST_STORAGE_CONNECTION_STRING</c> to run the tests against storage that is already running instead.
/// Azurite comes from the repository's <c>node_modules</c> (<c>npm ci</c>); a globally installed one is never used.
/// </remarks>
public sealed partial class AzuriteServer
{
    /// <summary>Overrides the emulator: when set, its value is the connection string and nothing is started.</summary>
    public const string ConnectionStringVariable = "PF_TEST_STORAGE_CONNECTION_STRING";

    /// <summary>The emulator's well-known development account.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The emulator's well-known (public) development account key.</summary>
    public const string AccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int RandomSuffixLength = 12;
    private const int MaxNameLength = 63;
    private const int MaxCapturedOutputChars = 64 * 1024;
    private const int MaxStartAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(100);

    // Closes the emulator when its stdin reaches end of file, i.e. when this process dies without running
    // ProcessExit handlers (killed by a hang timeout, SIGKILL); then runs azurite.js with the remaining arguments
    // exactly as `node azurite.js ...` would (process.argv = [node, azurite.js, ...flags]).
    private const string ParentWatchdogScript =
        "process.stdin.on('end',()=>process.exit(0)).on('error',()=>process.exit(0)).resume();" +
        "require(process.argv[1]);";

    private static readonly Lazy<Task<AzuriteServer>> Shared =
        new(() => Task.Run(StartAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Process? _process;

    private AzuriteServer(string connectionString, bool isExternal, Process? process = null)
    {
        ConnectionString = connectionString;
        IsExternal = isExternal;
        _process = process;
    }

    /// <summary>
    /// Full connection string: well-known account name and key plus explicit blob, queue and table endpoints.
    /// </summary>
    public string ConnectionString { get; }

    /// <summary>True when <see cref="ConnectionStringVariable"/> supplied the storage and no emulator was started.</summary>
    public bool IsExternal { get; }

    /// <summary>
    /// The process-wide server. The first caller starts it; every caller, from any thread, gets the same instance.
    /// A failed start is not retried: every caller then sees the same exception.
    /// </summary>
    public static Task<AzuriteServer> StartSharedAsync() => Shared.Value;

    /// <summary>
    /// An emulator of the caller's own (never the external storage), e.g. for a Functions host whose Durable task hub
    /// polls its queues all the time; <see cref="Stop"/> ends it, and so does the end of this process.
    /// </summary>
    public static Task<AzuriteServer> StartOwnAsync() => LaunchAsync();

    /// <summary>Ends an emulator from <see cref="StartOwnAsync"/>; the shared one lives as long as the process.</summary>
    public void Stop()
    {
        if (_process is not null) Kill(_process);
    }

    /// <summary>
    /// A fresh name that is valid both as a table name and as a blob container name: <paramref name="prefix"/>
    /// followed by 12 random lowercase letters and digits.
    /// </summary>
    /// <param name="prefix">1 to 51 characters: a lowercase letter, then lowercase letters or digits.</param>
    public static string UniqueName(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length > MaxNameLength - RandomSuffixLength || !NamePrefixPattern().IsMatch(prefix))
        {
            throw new ArgumentException(
                $"Name prefix '{prefix}' must be 1 to {MaxNameLength - RandomSuffixLength} characters: " +
                "a lowercase ASCII letter followed by lowercase ASCII letters or digits " +
                "(table names and blob container names must both accept the result).",
                nameof(prefix));
        }

        return prefix + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", RandomSuffixLength);
    }

    [GeneratedRegex("^[a-z][a-z0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePrefixPattern();

    private static async Task<AzuriteServer> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new AzuriteServer(external.Trim(), isExternal: true);
        }

        return await LaunchAsync().ConfigureAwait(false);
    }

    private static async Task<AzuriteServer> LaunchAsync()
    {
        var azuriteScript = FindAzuriteScript();
        for (var attempt = 1; ; attempt++)
        {
            var ports = ReserveFreePorts(3);
            var outcome = await TryLaunchAsync(azuriteScript, ports[0], ports[1], ports[2]).ConfigureAwait(false);
            if (outcome.Server is not null)
            {
                return outcome.Server;
            }

            // Another process may grab a port between our probe and Azurite's bind: pick new ports and try again.
            if (!outcome.PortTaken || attempt == MaxStartAttempts)
            {
                throw new InvalidOperationException(outcome.Failure);
            }
        }
    }

    private static string FindAzuriteScript()
    {
        var repoRoot = FindRepoRoot();
        var script = Path.Combine(repoRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed: '{script}' does not exist. Run `npm ci` in '{repoRoot}' " +
                $"(./test.sh does it for you), or set {ConnectionStringVariable} to use storage that is already running.");
        }

        return script;
    }

    /// <summary>The folder holding PromptFunctions.sln, above the test binaries.</summary>
    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PromptFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"Could not find the repository root (a folder holding PromptFunctions.sln) above '{AppContext.BaseDirectory}'.");
    }

    private static int[] ReserveFreePorts(int count)
    {
        // Hold all listeners at once so the ports are distinct, then release them for Azurite to bind.
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    private sealed record LaunchOutcome(AzuriteServer? Server, string Failure, bool PortTaken);

    private static async Task<LaunchOutcome> TryLaunchAsync(string azuriteScript, int blobPort, int queuePort, int tablePort)
    {
        var startInfo = new ProcessStartInfo("node")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            // Azurite's default --location is its working directory (it cannot be combined with
            // --inMemoryPersistence); keep whatever it might touch out of the repository.
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in new[]
                 {
                     "-e", ParentWatchdogScript, azuriteScript,
                     "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent",
                     "--blobHost", "127.0.0.1", "--blobPort", Port(blobPort),
                     "--queueHost", "127.0.0.1", "--queuePort", Port(queuePort),
                     "--tableHost", "127.0.0.1", "--tablePort", Port(tablePort),
                 })
        {
            startInfo.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        void Capture(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                if (output.Length < MaxCapturedOutputChars)
                {
                    output.AppendLine(e.Data);
                }
            }
        }

        string Captured()
        {
            lock (output)
            {
                return output.Length == 0 ? "(no output)" : output.ToString();
            }
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += Capture;
        process.ErrorDataReceived += Capture;
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException(
                $"Could not start `node` to run Azurite ({ex.Message}). Install Node.js and make sure `node` is on PATH, " +
                $"or set {ConnectionStringVariable} to use storage that is already running.", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill(process);

        var description =
            $"Azurite (pid {process.Id}, `node {azuriteScript}`, blob {blobPort}, queue {queuePort}, table {tablePort})";
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                process.WaitForExit(); // flushes the asynchronous output readers
                var captured = Captured();
                return new LaunchOutcome(
                    null,
                    $"{description} exited with code {process.ExitCode} before it was ready. Its output:{Environment.NewLine}{captured}",
                    captured.Contains("EADDRINUSE", StringComparison.Ordinal));
            }

            if (await AnswersAsAzuriteAsync(blobPort).ConfigureAwait(false)
                && await AnswersAsAzuriteAsync(tablePort).ConfigureAwait(false)
                && !process.HasExited)
            {
                var connectionString =
                    $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
                    $"BlobEndpoint=http://127.0.0.1:{blobPort}/{AccountName};" +
                    $"QueueEndpoint=http://127.0.0.1:{queuePort}/{AccountName};" +
                    $"TableEndpoint=http://127.0.0.1:{tablePort}/{AccountName};";
                return new LaunchOutcome(new AzuriteServer(connectionString, isExternal: false, process), string.Empty, false);
            }

            if (deadline.Elapsed > StartTimeout)
            {
                Kill(process);
                return new LaunchOutcome(
                    null,
                    $"{description} did not accept connections on its blob and table ports within {StartTimeout.TotalSeconds:0} s. " +
                    $"Its output:{Environment.NewLine}{Captured()}",
                    false);
            }

            await Task.Delay(ProbeInterval).ConfigureAwait(false);
        }
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// True when Azurite itself answers on the port. A bare TCP connect is not enough: while several emulators and
    /// hosts start at once, a port can briefly be held by another process probing for free ports, which accepts the
    /// connection while this Azurite fails to bind and exits.
    /// </summary>
    private static async Task<bool> AnswersAsAzuriteAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            using var response = await Probe.GetAsync($"http://127.0.0.1:{Port(port)}/{AccountName}", timeout.Token).ConfigureAwait(false);
            return response.Headers.Server.ToString().Contains("Azurite", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    private static readonly HttpClient Probe = new();

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone, or never started: nothing left to stop.
        }
    }
}
