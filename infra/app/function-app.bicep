// The function app on Flex Consumption (Linux, Node 22). The user-assigned identity is used for
// everything: host storage, the deployment container, Service Bus, Key Vault references, Application
// Insights and Microsoft Graph. No shared keys or connection strings with keys appear in any setting.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsConnectionString string
param serviceBusFullyQualifiedNamespace string
param serviceBusQueueName string
param taskHubName string
@description('Empty: Durable Functions on Azure Storage. Otherwise the Durable Task Scheduler endpoint.')
param durableTaskSchedulerEndpoint string
@description('Instances the app may scale to; every instance has its own Graph write limiter.')
@minValue(1)
@maxValue(40)
param maximumInstanceCount int
@allowed([512, 2048, 4096])
param instanceMemoryMB int
@description('Key Vault secret URI of the legacy shared secret, or empty.')
param legacySecretUri string
param legacyHeaderName string
@description('Key Vault secret URI of the Graph subscription clientState, or empty.')
param eventsClientStateUri string
param eventsNotificationUrl string
param syncSettings object

// Graph allows 3,000 writes per 150 s per app and tenant; the code's default budget is 2,880 (96%).
// Each instance enforces its own limiter, so the budget is split across the most instances there can be.
var graphWritesPer150s = 2880 / maximumInstanceCount

var storageSuffix = environment().suffixes.storage

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: 'https://${storageAccountName}.blob.${storageSuffix}/${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'node', version: '22' }
    }
  }
}

// No publishing with user name and password: deployment uses Entra ID (azd, zip deploy with a token).
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

var durableOnScheduler = !empty(durableTaskSchedulerEndpoint)

// Flex Consumption sets the worker runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME must be absent.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(
    {
      // Host storage through the identity; no AzureWebJobsStorage connection string exists.
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      AzureWebJobsStorage__blobServiceUri: 'https://${storageAccountName}.blob.${storageSuffix}'
      AzureWebJobsStorage__queueServiceUri: 'https://${storageAccountName}.queue.${storageSuffix}'
      AzureWebJobsStorage__tableServiceUri: 'https://${storageAccountName}.table.${storageSuffix}'
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      TASKHUB_NAME: taskHubName
      SERVICEBUS_QUEUE_NAME: serviceBusQueueName
      ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
      ServiceBusConnection__credential: 'managedidentity'
      ServiceBusConnection__clientId: identityClientId
      GRAPH_AUTH_MODE: 'managedIdentity'
      AZURE_CLIENT_ID: identityClientId
      GRAPH_WRITES_PER_150S: string(graphWritesPer150s)
      SYNC_SOURCE_ATTRIBUTE: syncSettings.sourceAttribute
      SYNC_PHONE_TYPE: syncSettings.phoneType
      SYNC_DEFAULT_COUNTRY: syncSettings.defaultCountry
      SYNC_EMPTY_ATTRIBUTE: syncSettings.emptyAttribute
      SYNC_MASKED_READ: syncSettings.maskedRead
      SYNC_DRY_RUN_DEFAULT: string(syncSettings.dryRunDefault)
      SYNC_PILOT_GROUP_ID: syncSettings.pilotGroupId
      RECONCILE_SCHEDULE: syncSettings.reconcileSchedule
      REPORT_CONTAINER: syncSettings.reportContainer
      REPORT_RETENTION_DAYS: string(syncSettings.reportRetentionDays)
    },
    empty(legacySecretUri)
      ? {}
      : {
          SYNC_LEGACY_SECRET_HEADER: legacyHeaderName
          SYNC_LEGACY_SECRET: '@Microsoft.KeyVault(SecretUri=${legacySecretUri})'
        },
    empty(eventsNotificationUrl)
      ? {}
      : {
          EVENTS_CLIENT_STATE: '@Microsoft.KeyVault(SecretUri=${eventsClientStateUri})'
          // Same partner topic for both: lifecycle events cannot be added to a subscription later.
          EVENTS_NOTIFICATION_URL: eventsNotificationUrl
          EVENTS_LIFECYCLE_NOTIFICATION_URL: eventsNotificationUrl
          EVENTS_SUBSCRIPTION_MINUTES: string(syncSettings.eventsSubscriptionMinutes)
          EVENTS_RENEW_WITHIN_HOURS: string(syncSettings.eventsRenewWithinHours)
          EVENTS_BATCH_WINDOW_MS: string(syncSettings.eventsBatchWindowMs)
          EVENTS_UPKEEP_SCHEDULE: syncSettings.eventsUpkeepSchedule
        },
    durableOnScheduler
      ? {
          // host.json keeps Azure Storage as the default; these app settings override it on Azure.
          AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
          AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
          DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
        }
      : {}
  )
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output graphWritesPer150s int = graphWritesPer150s
