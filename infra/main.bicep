// mfa-phone-sync on Azure: `azd up` provisions everything below into one resource group. Local modules
// only (no br/public registry modules), so `npm run check:infra` compiles and lints it offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(48)
@description('azd environment name; names and tags derive from it.')
param environmentName string

@minLength(1)
@description('Region of every resource.')
param location string

@description('Durable Functions backend: Azure Storage (default) or the Durable Task Scheduler.')
@allowed(['AzureStorage', 'DurableTaskScheduler'])
param durableBackend string = 'AzureStorage'

@description('Most instances the app scales to. The Graph write budget (2,880 per 150 s) is divided by it.')
@minValue(1)
@maxValue(40)
param maximumInstanceCount int = 4

@description('Service Bus tier. Basic and Standard cap messages at 256 KB; Premium allows up to 100 MB.')
@allowed(['Basic', 'Standard', 'Premium'])
param serviceBusSku string = 'Standard'

@description('Optional principal id (e.g. a legacy invoker\'s identity) allowed to send to the request queue.')
param queueSenderPrincipalId string = ''

@secure()
@description('Legacy runbook shared secret (SYNC_LEGACY_SECRET); empty when no legacy caller needs it.')
param legacySecret string = ''

@description('Header that carries the legacy shared secret.')
param legacyHeaderName string = 'X-Sync-Secret'

@secure()
@description('clientState for Graph change notifications; the preprovision hook generates one per environment.')
param eventsClientState string = ''

@description('Partner topic name for Graph change notifications; empty leaves the events path off.')
param graphEventsTopicName string = ''

@description('Entra group whose members alone are synced while piloting; empty syncs everyone asked for.')
param pilotGroupId string = ''

@description('A fresh deployment only reports what it would change until this is set to false.')
param dryRunDefault bool = true

@description('Region code for numbers stored without a country prefix (SYNC_DEFAULT_COUNTRY), e.g. DE.')
param defaultCountry string = ''

@description('Optional e-mail address for alerts.')
param alertEmail string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-mfaphone-${resourceToken}'
var queueName = 'mfa-phone-sync-requests'
var taskHubName = 'mfaphonesync'
var reportContainerName = 'sync-reports'
var deploymentContainerName = 'app-package-${take(resourceToken, 12)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity/user-assigned-identity.bicep' = {
  scope: rg
  name: 'identity'
  params: { name: 'id-mfaphone-${resourceToken}', location: location, tags: tags }
}

module storage 'core/storage/storage-account.bicep' = {
  scope: rg
  name: 'storage'
  params: {
    name: 'stmfa${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    reportContainerName: reportContainerName
    appPrincipalId: identity.outputs.principalId
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  scope: rg
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-mfaphone-${resourceToken}'
    applicationInsightsName: 'appi-mfaphone-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module serviceBus 'core/servicebus/service-bus.bicep' = {
  scope: rg
  name: 'serviceBus'
  params: {
    name: 'sb-mfaphone-${resourceToken}'
    location: location
    tags: tags
    skuName: serviceBusSku
    queueName: queueName
    appPrincipalId: identity.outputs.principalId
    senderPrincipalId: queueSenderPrincipalId
  }
}

module keyVault 'core/security/key-vault.bicep' = {
  scope: rg
  name: 'keyVault'
  params: {
    name: 'kv-mfa-${take(resourceToken, 17)}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    legacySecret: legacySecret
    eventsClientState: eventsClientState
    storeLegacySecret: !empty(legacySecret)
    storeEventsClientState: !empty(graphEventsTopicName)
  }
}

module scheduler 'app/durable-task-scheduler.bicep' = if (durableBackend == 'DurableTaskScheduler') {
  scope: rg
  name: 'durableTaskScheduler'
  params: {
    name: 'dts-mfaphone-${resourceToken}'
    location: location
    tags: tags
    taskHubName: taskHubName
    skuName: 'Consumption'
    appPrincipalId: identity.outputs.principalId
  }
}

module graphEvents 'app/graph-events.bicep' = if (!empty(graphEventsTopicName)) {
  scope: rg
  name: 'graphEvents'
  params: { tags: tags }
}

// Graph's Event Grid notification URL names the partner topic it will create in this resource group.
var eventsNotificationUrl = empty(graphEventsTopicName)
  ? ''
  : 'EventGrid:?azuresubscriptionid=${subscription().subscriptionId}&resourcegroup=${rg.name}&partnertopic=${graphEventsTopicName}&location=${location}'

module functionApp 'app/function-app.bicep' = {
  scope: rg
  name: 'functionApp'
  params: {
    name: functionAppName
    planName: 'plan-mfaphone-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    serviceBusQueueName: serviceBus.outputs.queueName
    taskHubName: taskHubName
    durableTaskSchedulerEndpoint: durableBackend == 'DurableTaskScheduler' ? scheduler!.outputs.endpoint : ''
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: 2048
    legacySecretUri: keyVault.outputs.legacySecretUri
    legacyHeaderName: legacyHeaderName
    eventsClientStateUri: keyVault.outputs.eventsClientStateUri
    eventsNotificationUrl: eventsNotificationUrl
    syncSettings: {
      sourceAttribute: 'onPremisesExtensionAttributes.extensionAttribute15'
      phoneType: 'mobile'
      defaultCountry: defaultCountry
      emptyAttribute: 'keep'
      maskedRead: 'skip'
      dryRunDefault: dryRunDefault
      pilotGroupId: pilotGroupId
      reconcileSchedule: ''
      reportContainer: reportContainerName
      reportRetentionDays: 90
      eventsSubscriptionMinutes: 41760
      eventsRenewWithinHours: 24
      eventsBatchWindowMs: 5000
      eventsUpkeepSchedule: '0 0 */6 * * *'
    }
  }
}

module alerts 'core/monitor/alerts.bicep' = {
  scope: rg
  name: 'alerts'
  params: {
    namePrefix: 'mfaphone-${resourceToken}'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
    queueName: queueName
    alertEmail: alertEmail
  }
}

// azd stores these in the environment; hooks and the operator guide use them. None is a secret.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_IDENTITY_NAME string = identity.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_SERVICEBUS_QUEUE string = queueName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output GRAPH_EVENTS_TOPIC_NAME string = graphEventsTopicName
output GRAPH_WRITES_PER_150S int = functionApp.outputs.graphWritesPer150s
