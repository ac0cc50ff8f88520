// Application Insights on a Log Analytics workspace, with local (instrumentation key) authentication disabled:
// telemetry is accepted only with an Entra ID token, so a leaked connection string cannot inject data.

param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object

@description('Name of the app\'s user-assigned identity (in this resource group), that sends telemetry.')
param appIdentityName string

// Looked up by name, so that role assignment names are known before the identity exists.
resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

// Monitoring Metrics Publisher on this component only: with local auth disabled, it is the role that lets the
// app's identity send traces, logs and metrics. It grants no read access to the telemetry.
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: applicationInsights
  name: guid(applicationInsights.id, appIdentity.id, monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The connection string identifies the component; it is not a credential here, since ingestion needs a token.
output connectionString string = applicationInsights.properties.ConnectionString
output name string = applicationInsights.name
