namespace PromptFunctions.Tests.Infrastructure;

/// <summary>Both hosts, each over its own storage, shared by the tests of one class (they use distinct prompt names).</summary>
public sealed class ApiHostsFixture : IAsyncLifetime
{
    private readonly Dictionary<string, IApiDriver> _drivers = [];

    public IApiDriver this[string kind] => _drivers[kind];

    public async Task InitializeAsync()
    {
        _drivers[Drivers.LocalHost] = await Drivers.StartAsync(Drivers.LocalHost);
        _drivers[Drivers.Functions] = await Drivers.StartAsync(Drivers.Functions);
    }

    public async Task DisposeAsync()
    {
        foreach (var driver in _drivers.Values) await driver.DisposeAsync();
    }
}
