// Key Vault (RBAC authorization, no access policies) for every secret the app reads: model API keys, API key
// digests and webhook signing secrets. Templates only ever name secrets; their values are set out of band
// (infra/hooks/postprovision.sh, or `az keyvault secret set`), so none appears in a template, a parameter file,
// a deployment's history or an output.

param name string
param location string
param tags object

@description('Name of the app\'s user-assigned identity (in this resource group), that resolves Key Vault references.')
param appIdentityName string

// Looked up by name, so that role assignment names are known before the identity exists.
resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

@description('Principal id of the user who runs the deployment, granted Secrets Officer so the post-provision hook can create the first API key; empty grants nothing.')
param operatorPrincipalId string

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

// Secrets User: read secret values, which is all that resolving @Microsoft.KeyVault(...) app settings needs.
// The app cannot list, write or delete secrets.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, appIdentity.id, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Secrets Officer for the operator who deploys: creating and rotating secrets is their job, and without a grant
// an RBAC vault lets nobody write a secret.
resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  scope: vault
  name: guid(vault.id, operatorPrincipalId, keyVaultSecretsOfficer)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: operatorPrincipalId
  }
}

output name string = vault.name
