// The queue door: legacy invokers and other systems enqueue sync requests. Local (SAS) auth is off, so
// senders and the app authenticate with Entra ID; roles are scoped to the one queue.
param name string
param location string
param tags object
@allowed(['Basic', 'Standard', 'Premium'])
@description('Basic and Standard cap a message at 256 KB; SYNC_MAX_USERS_PER_REQUEST must fit it.')
param skuName string
param queueName string
@description('Principal id of the function app identity (Data Receiver on the queue).')
param appPrincipalId string
@description('Optional principal (e.g. the legacy invoker) that may send to the queue.')
param senderPrincipalId string = ''

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName, tier: skuName }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    // Five deliveries, then the dead-letter queue: an invalid message is refused five times with the
    // reason in the logs, and the dead-letter alert fires.
    maxDeliveryCount: 5
    deadLetteringOnMessageExpiration: true
    lockDuration: 'PT1M'
    defaultMessageTimeToLive: 'P14D'
    // Basic has no duplicate detection; elsewhere a resent message id within 10 minutes is dropped.
    requiresDuplicateDetection: skuName != 'Basic'
    duplicateDetectionHistoryTimeWindow: skuName != 'Basic' ? 'PT10M' : null
    requiresSession: false
    enablePartitioning: false
  }
}

// Azure Service Bus Data Receiver on the queue only.
resource receiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, appPrincipalId, '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0')
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
    )
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Azure Service Bus Data Sender on the queue only, for the caller that enqueues requests.
resource sender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(senderPrincipalId)) {
  name: guid(queue.id, senderPrincipalId, '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39')
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
    )
    principalId: senderPrincipalId
  }
}

output id string = namespace.id
output name string = namespace.name
output queueName string = queue.name
// serviceBusEndpoint is https://<name>.servicebus.windows.net:443/ (cloud-specific suffix): keep the host.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
