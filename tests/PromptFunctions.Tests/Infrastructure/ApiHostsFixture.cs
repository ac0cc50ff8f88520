namespace PromptFunctions.Tests.Infrastructure;

/// <summary>
/// Every host kind for the tests of one class (they use distinct prompt names): the in-process hosts each over
/// storage of their own, and the Functions host that all classes share (compare storage snapshots inside
/// <see cref="IApiDriver.QuietAsync"/>).
/// </summary>
public sealed class ApiHostsFixture : IAsyncLifetime
{
    private readonly Dictionary<string, IApiDriver> _drivers = [];

    public IApiDriver this[string kind] => _drivers[kind];

    public async Task InitializeAsync()
    {
        // The shared Functions host starts (once per run) while the in-process hosts start here.
        var functionsHost = FunctionsHostDriver.SharedAsync();
        _drivers[Drivers.LocalHost] = await Drivers.StartAsync(Drivers.LocalHost);
        _drivers[Drivers.Functions] = await Drivers.StartAsync(Drivers.Functions);
        _drivers[Drivers.FunctionsHost] = await functionsHost;
    }

    public async Task DisposeAsync()
    {
        // The shared Functions host ignores this; it stops when the test process ends.
        foreach (var driver in _drivers.Values) await driver.DisposeAsync();
    }
}
