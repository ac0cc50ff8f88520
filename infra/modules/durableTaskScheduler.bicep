// The Durable Task Scheduler backend: a scheduler and one task hub, with the app identity as the only data-plane
// principal. Used instead of the Azure Storage backend when main.bicep's durableBackend is DurableTaskScheduler.

param name string
param location string
param tags object
param taskHubName string

@description('Name of the app\'s user-assigned identity (in this resource group), that runs orchestrations.')
param appIdentityName string

// Looked up by name, so that role assignment names are known before the identity exists.
resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

@description('Consumption bills per dispatched action and costs nothing idle; Dedicated reserves capacity units.')
@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string = 'Consumption'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // Required by the resource provider. The data plane still needs an Entra ID token and the role below;
    // Flex Consumption's outbound addresses are not fixed without a virtual network, so no narrower list works.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
    sku: {
      name: skuName
    }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

// Data Contributor on this task hub only: the app is both the orchestration client (start, query, terminate)
// and the worker (take and complete work items), which is this role; another hub on the scheduler stays closed.
resource dataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: taskHub
  name: guid(taskHub.id, appIdentity.id, durableTaskDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
