// The one identity the function app uses for everything: storage, Service Bus, Key Vault references,
// Application Insights and Microsoft Graph. User-assigned so roles and Graph app roles can be granted
// before the app exists and survive re-creating it.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
