// Optional Durable Functions backend: the managed Durable Task Scheduler instead of Azure Storage
// queues/tables. The app reaches it with its managed identity (Durable Task Data Contributor).
param name string
param location string
param tags object
param taskHubName string
@allowed(['Consumption', 'Dedicated'])
param skuName string
param appPrincipalId string

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    ipAllowlist: ['0.0.0.0/0']
    sku: { name: skuName }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

// Durable Task Data Contributor on the scheduler.
resource dataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scheduler.id, appPrincipalId, '0ad04412-c4d5-4796-b79c-f76d14c8d402')
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      '0ad04412-c4d5-4796-b79c-f76d14c8d402'
    )
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
