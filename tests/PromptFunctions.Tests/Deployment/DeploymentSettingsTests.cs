using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptFunctions.Core;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Telemetry;

namespace PromptFunctions.Tests.Deployment;

/// <summary>
/// The settings infra/main.bicep writes against the settings the app and the Functions runtime read, compared by
/// name on the template as the Bicep CLI compiles it: nothing is written that nobody reads, and what is always
/// written is enough for the app to start on identity-based storage.
/// </summary>
public sealed class DeploymentSettingsTests
{
    private static IReadOnlyList<WrittenSetting> Written => TemplateSettings.Written(TemplateSettings.Main);

    [Fact]
    public void Every_setting_the_templates_write_is_read_by_the_app_or_the_functions_runtime()
    {
        var readable = AppSettingNames.All();

        var unread = Written.Where(s => !AppSettingNames.IsRead(s.Name, readable)).Select(s => s.Name).ToList();

        Assert.True(unread.Count == 0, $"Written but read by nobody: {string.Join(", ", unread)}");
    }

    [Fact]
    public void The_templates_write_each_part_of_the_deployment_the_app_needs()
    {
        var names = Written.Select(s => s.Name).ToList();

        // One expectation per group, so that a group lost from the template is named here.
        Assert.Contains("Storage:BlobServiceUri", names);
        Assert.Contains("Models:*:Provider", names);
        Assert.Contains("Models:*:ApiKey", names);
        Assert.Contains("Auth:Keys:*:SecretSha256", names);
        Assert.Contains("Auth:Keys:*:Roles:*", names);
        Assert.Contains("Experiments:DefaultConnection", names);
        Assert.Contains("DURABLE_TASK_SCHEDULER_CONNECTION_STRING", names);
    }

    [Fact]
    public void Identity_storage_and_entra_telemetry_settings_are_written_whatever_the_parameters()
    {
        var always = Written.Where(s => !s.Conditional).Select(s => s.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        // Required by the runtime on Flex Consumption with a user-assigned identity and no shared keys; the
        // worker's own required settings are proven by starting it below.
        string[] required =
        [
            "AzureWebJobsStorage:credential", "AzureWebJobsStorage:clientId", "AzureWebJobsStorage:blobServiceUri",
            "AzureWebJobsStorage:queueServiceUri", "AzureWebJobsStorage:tableServiceUri",
            "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
            // Without it the app would take DefaultAzureCredential, which cannot pick a user-assigned identity.
            "Storage:ClientId",
        ];

        var missing = required.Where(name => !always.Contains(name)).ToList();
        Assert.True(missing.Count == 0, $"Not always written: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_settings_always_written_start_the_app_on_identity_storage()
    {
        var settings = Written.Where(s => !s.Conditional).ToDictionary(s => s.Name, s => (string?)SampleValue(s.Name));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddPromptFunctionsCore(configuration);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        var storage = provider.GetRequiredService<IOptions<PromptFunctions.Core.Storage.StorageOptions>>().Value;
        var clients = provider.GetRequiredService<StorageClients>();

        Assert.True(storage.UsesServiceUris);
        Assert.Equal(new Uri(SampleValue("Storage:BlobServiceUri")), clients.BlobService.Uri);
    }

    [Fact]
    public void Secrets_reach_the_app_only_as_key_vault_references()
    {
        var secretSettings = Written.Where(s => s.Name.EndsWith(":ApiKey", StringComparison.OrdinalIgnoreCase)
                                                || s.Name.EndsWith(":Secret", StringComparison.OrdinalIgnoreCase)
                                                || s.Name.EndsWith(":SecretSha256", StringComparison.OrdinalIgnoreCase)).ToList();

        Assert.NotEmpty(secretSettings);
        Assert.All(secretSettings, s => Assert.StartsWith("__bicep.keyVaultReference(", s.Value?.GetValue<string>()));
        Assert.DoesNotContain(Written, s => s.Name.EndsWith(":Secret", StringComparison.OrdinalIgnoreCase));
        var reference = TemplateSettings.AppSettingsResource(TemplateSettings.Main).Template["functions"]!.ToJsonString();
        Assert.Contains("@Microsoft.KeyVault(VaultName={0};SecretName={1})", reference);
    }

    [Fact]
    public void Settings_are_written_only_through_the_appsettings_resource()
    {
        var sites = TemplateSettings.Templates(TemplateSettings.Main).SelectMany(TemplateSettings.Resources)
            .Where(r => r["type"]!.GetValue<string>() == "Microsoft.Web/sites").ToList();

        Assert.Single(sites);
        Assert.Null(sites[0]["properties"]!["siteConfig"]?["appSettings"]);
        Assert.Null(sites[0]["properties"]!["siteConfig"]?["connectionStrings"]);
    }

    [Fact]
    public void An_added_setting_that_nobody_reads_is_reported()
    {
        // The same comparison on the real compiled template with one setting added to its first settings object.
        var main = (JsonObject)TemplateSettings.Main.DeepClone();
        var (template, _) = TemplateSettings.AppSettingsResource(main);
        var firstObject = template["variables"]!.AsObject().Select(v => v.Value).OfType<JsonObject>().First();
        firstObject["Storage__ContainerPrefix"] = "pf";

        var written = TemplateSettings.Written(main);

        Assert.Contains(written, s => s.Name == "Storage:ContainerPrefix" && !AppSettingNames.IsRead(s.Name, AppSettingNames.All()));
        Assert.True(AppSettingNames.IsRead("Storage:PromptsTable", AppSettingNames.All()));
        Assert.False(AppSettingNames.IsRead("Models:*:Endpoint:Extra", AppSettingNames.All()));
        Assert.False(AppSettingNames.IsRead("Storage:*", AppSettingNames.All()));
    }

    [Fact]
    public void The_telemetry_settings_the_templates_write_configure_the_azure_monitor_exporter_with_the_managed_identity()
    {
        var authentication = Written.Single(s => s.Name == TelemetrySettings.ApplicationInsightsAuthentication);
        var connection = Written.Single(s => s.Name == TelemetrySettings.ApplicationInsightsConnectionString);
        var value = FormatWithSamples(authentication.Value!.GetValue<string>());

        var parsed = ApplicationInsightsAuthentication.Parse(value, out var error);

        Assert.Null(error);
        Assert.Equal(SampleValue("Storage:ClientId"), parsed!.ClientId);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(parsed.Credential());
        // The connection string comes from the Application Insights component itself, never from a parameter.
        Assert.Contains("ConnectionString", connection.Value!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A written value as the app would see it: a compiled <c>format('...{0}...', ...)</c> with each argument
    /// replaced by the sample value for a client id (the only thing these settings interpolate).
    /// </summary>
    private static string FormatWithSamples(string value)
    {
        if (!ArmExpression.IsExpression(value)) return value;
        var expression = Assert.IsType<ArmExpression.Call>(ArmExpression.Parse(value));
        Assert.Equal("format", expression.Name);
        var format = Assert.IsType<ArmExpression.Text>(expression.Arguments[0]).Value;
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, format,
            expression.Arguments.Skip(1).Select(_ => (object)SampleValue("Storage:ClientId")).ToArray());
    }

    private static string SampleValue(string name) => name switch
    {
        TelemetrySettings.ApplicationInsightsConnectionString => "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
        TelemetrySettings.ApplicationInsightsAuthentication => FormatWithSamples(Written.Single(s => s.Name == name).Value!.GetValue<string>()),
        _ when name.EndsWith("BlobServiceUri", StringComparison.OrdinalIgnoreCase) => "https://pfstore.blob.core.windows.net/",
        _ when name.EndsWith("QueueServiceUri", StringComparison.OrdinalIgnoreCase) => "https://pfstore.queue.core.windows.net/",
        _ when name.EndsWith("TableServiceUri", StringComparison.OrdinalIgnoreCase) => "https://pfstore.table.core.windows.net/",
        _ when name.EndsWith("ClientId", StringComparison.OrdinalIgnoreCase) => "6f1c2a4e-8d3b-4a8f-9e2d-1b7c5a9f0e31",
        _ => "placeholder",
    };
}
