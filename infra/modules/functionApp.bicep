// The Function App on a Flex Consumption plan (.NET 10 isolated worker) and its app settings. Every setting
// written here is one the runtime or the app reads; tests/PromptFunctions.Tests/Deployment checks both
// directions, so a setting is added here together with the code that reads it.

import { apiKey, durableBackendKind, modelConnection } from '../types.bicep'

param planName string
param appName string
param location string
param tags object

param identityId string
param identityClientId string

param blobServiceUri string
param queueServiceUri string
param tableServiceUri string
param deploymentContainerUrl string

param applicationInsightsConnectionString string
param keyVaultName string

param modelConnections modelConnection[]
param defaultModelConnection string
param apiKeys apiKey[]

param durableBackend durableBackendKind
@description('Data-plane endpoint of the Durable Task Scheduler; empty with the Azure Storage backend.')
param durableTaskSchedulerEndpoint string

@description('Most instances the app scales out to (Flex Consumption allows 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

func keyVaultReference(vault string, secret string) string => '@Microsoft.KeyVault(VaultName=${vault};SecretName=${secret})'

// The runtime and Durable Functions reach host storage as the user-assigned identity (no connection string).
var runtimeSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: blobServiceUri
  AzureWebJobsStorage__queueServiceUri: queueServiceUri
  AzureWebJobsStorage__tableServiceUri: tableServiceUri
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  // Entra ID authentication for telemetry, matching DisableLocalAuth on the component.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// The app's own tables and blobs: service URIs and the identity, so StorageClients takes tokens, not keys.
var storageSettings = {
  Storage__BlobServiceUri: blobServiceUri
  Storage__TableServiceUri: tableServiceUri
  Storage__ClientId: identityClientId
}

// host.json names no storage provider, so Azure Storage is the default; these override it for the scheduler.
var durableTaskSchedulerSettings = durableBackend == 'DurableTaskScheduler'
  ? {
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
    }
  : {}

var modelSettings = reduce(
  modelConnections,
  {},
  (settings, connection) =>
    union(
      settings,
      {
        'Models__${connection.name}__Provider': connection.provider
        'Models__${connection.name}__Model': connection.model
      },
      empty(connection.?endpoint ?? '') ? {} : { 'Models__${connection.name}__Endpoint': connection.endpoint! },
      empty(connection.?apiKeySecretName ?? '')
        ? {}
        : { 'Models__${connection.name}__ApiKey': keyVaultReference(keyVaultName, connection.apiKeySecretName!) }
    )
)

var experimentSettings = empty(defaultModelConnection) ? {} : { Experiments__DefaultConnection: defaultModelConnection }

var authSettings = reduce(
  range(0, length(apiKeys)),
  {},
  (settings, i) =>
    union(
      settings,
      {
        'Auth__Keys__${i}__Name': apiKeys[i].name
        'Auth__Keys__${i}__SecretSha256': keyVaultReference(keyVaultName, apiKeys[i].digestSecretName)
      },
      reduce(
        range(0, length(apiKeys[i].roles)),
        {},
        (roles, j) => union(roles, { 'Auth__Keys__${i}__Roles__${j}': apiKeys[i].roles[j] })
      )
    )
)

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  // azd finds the app to deploy by this tag; its value is the service name in azure.yaml.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve as the user-assigned identity (the default would be a system identity).
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: union(runtimeSettings, storageSettings, durableTaskSchedulerSettings, modelSettings, experimentSettings, authSettings)
}

// Deployments go through Entra ID (azd, az functionapp deploy); basic publishing credentials stay off.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
