// Authorizes the verified partner "Microsoft Graph API" to create a partner topic in this resource group.
// Graph creates the topic only when the app first creates its subscription with an EventGrid: URL, so
// activating the topic and subscribing the function to it happen later, in the azd postprovision/
// postdeploy hook (scripts/connect-graph-events.sh).
@description('Authorization start; each deployment renews it for authorizationDays.')
param now string = utcNow()
@minValue(1)
@maxValue(365)
param authorizationDays int = 365
param tags object

resource partnerConfiguration 'Microsoft.EventGrid/partnerConfigurations@2025-02-15' = {
  name: 'default'
  location: 'global'
  tags: tags
  properties: {
    partnerAuthorization: {
      defaultMaximumExpirationTimeInDays: authorizationDays
      authorizedPartnersList: [
        {
          partnerName: 'MicrosoftGraphAPI'
          authorizationExpirationTimeInUtc: dateTimeAdd(now, 'P${authorizationDays}D')
        }
      ]
    }
  }
}

output name string = partnerConfiguration.name
