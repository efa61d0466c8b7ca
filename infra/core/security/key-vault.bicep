// Secrets the app needs as plain strings: the legacy runbook's shared secret and the Graph subscription
// clientState. RBAC mode (no access policies); the app reads them only through Key Vault references, with
// Key Vault Secrets User scoped to each secret.
param name string
param location string
param tags object
@description('Principal id of the function app identity (Key Vault Secrets User on each secret).')
param appPrincipalId string
@secure()
@description('The legacy shared secret; empty when no legacy invoker sends it.')
param legacySecret string
@secure()
@description('clientState for Microsoft Graph change notifications; empty when events are off.')
param eventsClientState string
// Whether each secret is stored, passed as plain booleans: outputs must not depend on secure values.
param storeLegacySecret bool
param storeEventsClientState bool

var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource legacySecretValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeLegacySecret) {
  parent: vault
  name: 'sync-legacy-secret'
  properties: { value: legacySecret, contentType: 'text/plain' }
}

resource clientStateValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeEventsClientState) {
  parent: vault
  name: 'events-client-state'
  properties: { value: eventsClientState, contentType: 'text/plain' }
}

resource legacySecretReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (storeLegacySecret) {
  name: guid(vault.id, 'sync-legacy-secret', appPrincipalId, secretsUser)
  scope: legacySecretValue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource clientStateReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (storeEventsClientState) {
  name: guid(vault.id, 'events-client-state', appPrincipalId, secretsUser)
  scope: clientStateValue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
// Secret URIs without a version: the reference follows rotation. These are locations, not values.
output legacySecretUri string = storeLegacySecret ? '${vault.properties.vaultUri}secrets/sync-legacy-secret' : ''
output eventsClientStateUri string = storeEventsClientState
  ? '${vault.properties.vaultUri}secrets/events-client-state'
  : ''
