using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PromptFunctions.Tests.Infrastructure;

/// <summary>
/// The Functions app's build output inside the real Azure Functions host, in a process group of its own (host and
/// worker), over an Azurite of its own. The host is <c>../shared/functions-host/func-host</c> unless
/// <see cref="HostVariable"/> names another: a script with func-host's <c>start</c> command, or <c>func</c> (Core Tools).
/// </summary>
/// <remarks>
/// App settings reach the host and its worker as environment variables (<c>Auth__Keys__0__Name</c> for
/// <c>Auth:Keys:0:Name</c>). Each instance has its own task hub name, port and state folder
/// (<c>.func-host/tests/...</c>, with <c>host.log</c>). If the test process dies without running its exit handlers, a
/// watchdog whose stdin is a pipe from this process kills the process group when the pipe closes.
/// </remarks>
public sealed class FunctionsHostProcess : IAsyncDisposable
{
    public const string HostVariable = "FUNCTIONS_HOST";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(150);

    private readonly HostCommand _command;
    private readonly string _appDirectory;
    private readonly Dictionary<string, string> _environment;
    private readonly AzuriteServer _azurite;
    private Process? _watchdog;
    private int _processGroup;

    private FunctionsHostProcess(HostCommand command, string appDirectory, AzuriteServer azurite, string stateDirectory, Dictionary<string, string> environment)
    {
        _command = command;
        _appDirectory = appDirectory;
        _azurite = azurite;
        StateDirectory = stateDirectory;
        _environment = environment;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            KillHost();
            _azurite.Stop();
        };
    }

    /// <summary>The host's storage: AzureWebJobsStorage (timers, Durable task hub) and the app's ConnectionStrings:Storage.</summary>
    public string StorageConnectionString => _azurite.ConnectionString;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Holds host.log (and the previous run's host.log.1) and the host's keys.</summary>
    public string StateDirectory { get; }

    /// <summary>How long the latest start took, until the host reported its functions running.</summary>
    public TimeSpan StartDuration { get; private set; }

    /// <summary>
    /// Starts Azurite, then the host with <paramref name="settings"/> (configuration keys) and the connection string of
    /// that Azurite as its storage (<paramref name="storageSettings"/> gets the connection string and returns the rest).
    /// </summary>
    public static async Task<FunctionsHostProcess> StartAsync(string label, Func<string, IReadOnlyDictionary<string, string?>> storageSettings,
        IReadOnlyDictionary<string, string?> settings)
    {
        var command = HostCommand.Resolve();
        var app = AppOutputDirectory();
        var azurite = await AzuriteServer.StartOwnAsync();
        try
        {
            var state = Path.Combine(AzuriteServer.FindRepoRoot(), ".func-host", "tests", AzuriteServer.UniqueName(label));
            Directory.CreateDirectory(state);
            var environment = new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["FUNC_HOST_STATE"] = state,
                // Two hosts never share a task hub, even on one storage account.
                ["AzureFunctionsJobHost__extensions__durableTask__hubName"] = AzuriteServer.UniqueName("hub"),
                // Startup messages stay (func-host prints them when a start fails); per-invocation lines would cost CPU.
                ["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning",
                ["AzureFunctionsJobHost__logging__logLevel__Host.Startup"] = "Information",
            };
            foreach (var (key, value) in storageSettings(azurite.ConnectionString).Concat(settings))
            {
                if (value is not null) environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
            var host = new FunctionsHostProcess(command, app, azurite, state, environment);
            await host.StartHostAsync();
            return host;
        }
        catch
        {
            azurite.Stop();
            throw;
        }
    }

    /// <summary>Starts the host again on the same storage, settings and state folder (after <see cref="KillHost"/>).</summary>
    public async Task StartHostAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var started = Stopwatch.StartNew();
            try
            {
                _processGroup = _command.IsCoreTools ? await StartCoreToolsAsync(port) : await StartFuncHostAsync(port);
            }
            catch (RetryableStartException) when (attempt < 3)
            {
                KillStrays();
                continue;
            }
            catch
            {
                KillStrays();
                throw;
            }
            StartDuration = started.Elapsed;
            BaseAddress = new Uri($"http://127.0.0.1:{port}");
            _watchdog = StartWatchdog(_processGroup);
            return;
        }
    }

    /// <summary>SIGKILL to the host and its worker at once, as a crash would; Azurite and its data stay.</summary>
    public void KillHost()
    {
        if (_processGroup == 0) return;
        try
        {
            _watchdog?.Kill();
        }
        catch (InvalidOperationException)
        {
            // the watchdog is gone already
        }
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-KILL", "--", $"-{_processGroup}" }, RedirectStandardError = true });
        kill?.WaitForExit(5000);
        _processGroup = 0;
    }

    /// <summary>The host's master key for its admin API (func-host keeps it in <c>secrets/host.json</c> of the state folder).</summary>
    public string MasterKey()
    {
        var secrets = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(StateDirectory, "secrets", "host.json")))!;
        return secrets["masterKey"]!["value"]!.GetValue<string>();
    }

    /// <summary>Ends the host's Azurite while the host runs on: a storage outage.</summary>
    public void StopStorage() => _azurite.Stop();

    /// <summary>The host's whole log so far (what its log levels let through).</summary>
    public string Log()
    {
        var log = Path.Combine(StateDirectory, "host.log");
        return File.Exists(log) ? ReadShared(log) : "";
    }

    /// <summary>The last lines of the host's log, for failure messages.</summary>
    public string LogTail(int lines = 40)
    {
        var log = Path.Combine(StateDirectory, "host.log");
        return File.Exists(log) ? string.Join('\n', ReadShared(log).Split('\n').TakeLast(lines)) : "(no host.log)";
    }

    public ValueTask DisposeAsync()
    {
        KillHost();
        KillStrays();
        _azurite.Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Kills every process (with its process group) whose environment names this instance's state folder. A start
    /// that reports failure can leave the host running: func-host decides the host died when a look at its
    /// /proc entry fails, which can happen while the process is still exec'ing. The folder name is unique, so only
    /// processes of this instance match.
    /// </summary>
    private void KillStrays()
    {
        var marker = Encoding.UTF8.GetBytes("FUNC_HOST_STATE=" + StateDirectory + "\0");
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid) || pid == Environment.ProcessId) continue;
            byte[] environment;
            try
            {
                environment = File.ReadAllBytes(Path.Combine(entry, "environ"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (environment.AsSpan().IndexOf(marker) < 0) continue;
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-KILL", "--", $"-{pid}", $"{pid}" }, RedirectStandardError = true });
            kill?.WaitForExit(5000);
        }
    }

    private async Task<int> StartFuncHostAsync(int port)
    {
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { _command.Path, "start", _appDirectory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in _environment) start.Environment[key] = value;
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["STARTUP_TIMEOUT"] = ((int)StartTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout + TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var error = await stderr;
            // Between picking the port and the host binding it, another process starting at the same time can take it.
            // And func-host checks the host's pid by reading /proc/<pid>/cmdline right after starting it, which can
            // fail while the process is still exec'ing: it then reports an exit the empty log contradicts.
            if (error.Contains($"port {port} is in use", StringComparison.Ordinal) || LogTail(400).Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                || (error.Contains("exited during startup", StringComparison.Ordinal) && LogTail(5).Trim().Length == 0))
                throw new RetryableStartException();
            throw new InvalidOperationException($"`{_command.Path} start` failed (exit {process.ExitCode}); state in {StateDirectory}:\n{error}");
        }
        await stdout;
        return int.Parse(File.ReadAllText(Path.Combine(StateDirectory, "host.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Core Tools' <c>func start</c> in the build output, in a session of its own; ready when /api/health answers 200.</summary>
    private async Task<int> StartCoreToolsAsync(int port)
    {
        var log = Path.Combine(StateDirectory, "host.log");
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", "cd \"$1\" && exec setsid \"$2\" start --port \"$3\" >> \"$4\" 2>&1 < /dev/null", "func-start", _appDirectory, _command.Path, port.ToString(System.Globalization.CultureInfo.InvariantCulture), log },
            UseShellExecute = false,
        };
        foreach (var (key, value) in _environment) start.Environment[key] = value;
        var process = Process.Start(start)!;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited) throw new InvalidOperationException($"`{_command.Path} start` exited with {process.ExitCode}:\n{LogTail()}");
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/api/health")).IsSuccessStatusCode) return process.Id;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        _processGroup = process.Id;
        KillHost();
        throw new InvalidOperationException($"`{_command.Path} start` did not answer /api/health within {StartTimeout.TotalSeconds:0} s:\n{LogTail()}");
    }

    private static Process StartWatchdog(int processGroup)
    {
        var watchdog = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", "read -r _; kill -KILL -- \"-$1\" 2>/dev/null", "func-host-watchdog", processGroup.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        return Process.Start(watchdog)!;
    }

    /// <summary><c>functions/PromptFunctions.FunctionApp/bin/{configuration}/net10.0</c>, built with the tests (they reference the app).</summary>
    public static string AppOutputDirectory()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testOutput.Parent!.Name;
        var app = Path.Combine(AzuriteServer.FindRepoRoot(), "functions", "PromptFunctions.FunctionApp", "bin", configuration, testOutput.Name);
        if (!File.Exists(Path.Combine(app, "functions.metadata")))
            throw new InvalidOperationException($"The Functions app's build output is missing at {app}; run `dotnet build functions/PromptFunctions.FunctionApp -c {configuration}`.");
        return app;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>A start that failed for a reason of the moment (a port taken meanwhile, func-host's pid check), worth another try.</summary>
    private sealed class RetryableStartException : Exception;

    /// <summary>The command that runs a Functions host: func-host (start/stop, pid file) or Core Tools' func.</summary>
    public sealed record HostCommand(string Path, bool IsCoreTools)
    {
        public static string DefaultPath => System.IO.Path.GetFullPath(System.IO.Path.Combine(AzuriteServer.FindRepoRoot(), "..", "shared", "functions-host", "func-host"));

        public static HostCommand Resolve()
        {
            var configured = Environment.GetEnvironmentVariable(HostVariable);
            if (string.IsNullOrWhiteSpace(configured))
            {
                if (File.Exists(DefaultPath)) return new HostCommand(DefaultPath, false);
                throw new InvalidOperationException(MissingHostMessage(DefaultPath));
            }
            configured = configured.Trim();
            if (System.IO.Path.GetFileName(configured) == "func") return new HostCommand(configured, true);
            if (!File.Exists(configured)) throw new InvalidOperationException(MissingHostMessage(configured));
            return new HostCommand(System.IO.Path.GetFullPath(configured), false);
        }

        public static string MissingHostMessage(string path) =>
            $"The tests that run the Functions app under the real Azure Functions host need a host, and {path} does not exist. " +
            $"Set {HostVariable} to a func-host script (the open-source host runner in ../shared/functions-host), " +
            $"or to `func` to use Azure Functions Core Tools where they are installed ({HostVariable}=func ./test.sh).";
    }
}
