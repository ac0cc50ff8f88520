namespace PromptFunctions.Cli;

public static class Program
{
    public static Task<int> Main(string[] args) => Pf.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable);
}
