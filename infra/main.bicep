// PromptFunctions in one resource group: `azd up` provisions this and deploys the Function App into it.
// No secret passes through this template: Key Vault holds them, app settings only name them (see docs/deploy.md).

targetScope = 'subscription'

import { apiKey, durableBackendKind, modelConnection } from 'types.bicep'

@description('Name of the azd environment; names the resource group and seeds every resource name.')
@minLength(1)
@maxLength(40)
param environmentName string

@description('Region of every resource; it must offer Flex Consumption (and the Durable Task Scheduler, if chosen).')
@minLength(1)
param location string

@description('Object id of the user who deploys (azd sets AZURE_PRINCIPAL_ID); gets Key Vault Secrets Officer. Empty grants nothing.')
param principalId string = ''

@description('Model connections the app may call; API keys are Key Vault secret names, never values.')
param modelConnections modelConnection[] = []

@description('Connection used when an experiment names none; empty leaves it unset.')
param defaultModelConnection string = ''

@description('API keys the app accepts. Each is stored as the SHA-256 of the key in the named Key Vault secret.')
@minLength(1)
param apiKeys apiKey[] = [
  {
    name: 'admin'
    roles: [
      'admin'
    ]
    digestSecretName: 'api-key-admin-sha256'
  }
]

@description('Where Durable Functions keeps orchestration state: the Azure Storage account (default) or a Durable Task Scheduler.')
param durableBackend durableBackendKind = 'AzureStorage'

@description('Most instances the Function App scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each Flex Consumption instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

var tags = {
  'azd-env-name': environmentName
}
// Globally unique names (storage, Key Vault, the app's host name) derive from this token, so redeploying the
// same environment to the same subscription and region reuses every resource.
var token = toLower(uniqueString(subscription().id, environmentName, location))
var identityName = 'id-${token}'
// The task hub keeps the name host.json gives the Azure Storage backend, so both backends name it alike.
var taskHubName = loadJsonContent('../host.json').extensions.durableTask.hubName

resource group 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  scope: group
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  scope: group
  params: {
    name: 'st${token}'
    location: location
    tags: tags
    appIdentityName: identityName
    deploymentContainerName: 'app-package'
  }
  // The identity is named, not passed as an output, so the order is stated.
  dependsOn: [
    identity
  ]
}

module monitoring 'modules/monitoring.bicep' = {
  scope: group
  params: {
    logAnalyticsName: 'log-${token}'
    applicationInsightsName: 'appi-${token}'
    location: location
    tags: tags
    appIdentityName: identityName
  }
  // The identity is named, not passed as an output, so the order is stated.
  dependsOn: [
    identity
  ]
}

module keyVault 'modules/keyvault.bicep' = {
  scope: group
  params: {
    name: 'kv-${token}'
    location: location
    tags: tags
    appIdentityName: identityName
    operatorPrincipalId: principalId
  }
  // The identity is named, not passed as an output, so the order is stated.
  dependsOn: [
    identity
  ]
}

module durableTaskScheduler 'modules/durableTaskScheduler.bicep' = if (durableBackend == 'DurableTaskScheduler') {
  scope: group
  params: {
    name: 'dts-${token}'
    location: location
    tags: tags
    taskHubName: taskHubName
    appIdentityName: identityName
  }
  // The identity is named, not passed as an output, so the order is stated.
  dependsOn: [
    identity
  ]
}

module functionApp 'modules/functionApp.bicep' = {
  scope: group
  params: {
    planName: 'plan-${token}'
    appName: 'func-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobServiceUri: storage.outputs.blobServiceUri
    queueServiceUri: storage.outputs.queueServiceUri
    tableServiceUri: storage.outputs.tableServiceUri
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    modelConnections: modelConnections
    defaultModelConnection: defaultModelConnection
    apiKeys: apiKeys
    durableBackend: durableBackend
    durableTaskSchedulerEndpoint: durableBackend == 'DurableTaskScheduler' ? durableTaskScheduler!.outputs.endpoint : ''
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

// Names and addresses only; azd stores outputs in its environment file, so nothing secret may appear here.
output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output PF_API_KEY_SECRET_NAMES array = map(apiKeys, key => key.digestSecretName)
output PF_MODEL_KEY_SECRET_NAMES array = map(filter(modelConnections, connection => !empty(connection.?apiKeySecretName ?? '')), connection => connection.apiKeySecretName!)
