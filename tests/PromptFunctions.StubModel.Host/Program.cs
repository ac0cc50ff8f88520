using System.Globalization;
using PromptFunctions.StubModel;

namespace PromptFunctions.StubModel.Host;

/// <summary>
/// Starts <see cref="StubModelServer"/> on a free loopback port, prints <c>endpoint=&lt;base URL&gt;</c> on one
/// line, and serves until its standard input closes or it is stopped. Argument: latency in milliseconds (default 0).
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        var latency = args.Length > 0 ? TimeSpan.FromMilliseconds(int.Parse(args[0], CultureInfo.InvariantCulture)) : TimeSpan.Zero;
        await using var server = await StubModelServer.StartAsync(latency: latency);
        Console.WriteLine($"endpoint={server.Endpoint}");
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        // The parent holds our standard input open; when it goes away, so do we.
        var stdinClosed = Task.Run(() => { while (Console.In.Read() >= 0) { } });
        await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
    }
}
