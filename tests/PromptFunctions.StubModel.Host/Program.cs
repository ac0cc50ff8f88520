using System.Globalization;
using System.Runtime.InteropServices;
using PromptFunctions.StubModel;

namespace PromptFunctions.StubModel.Host;

/// <summary>
/// Starts <see cref="StubModelServer"/> on a free loopback port, prints <c>endpoint=&lt;base URL&gt;</c> on one
/// line, and serves until SIGTERM or SIGINT, or until its standard input closes (the parent went away).
/// Argument: latency of every answer in milliseconds (default 0). Answers by model name as <see cref="ScriptedModels"/> says.
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        var latency = args.Length > 0 ? TimeSpan.FromMilliseconds(int.Parse(args[0], CultureInfo.InvariantCulture)) : TimeSpan.Zero;
        var stop = new TaskCompletionSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _ = Task.Run(() =>
        {
            while (Console.In.Read() >= 0) { }
            stop.TrySetResult();
        });

        await using var server = await StubModelServer.StartAsync(ScriptedModels.Respond, latency);
        Console.WriteLine($"endpoint={server.Endpoint}");
        await stop.Task;
    }
}
