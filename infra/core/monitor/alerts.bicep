// Alerts an operator acts on: a run that failed, a request that reached the dead-letter queue, and
// Microsoft Graph throttling. Without an e-mail address the alerts still fire and show in the portal.
param namePrefix string
param location string
param tags object
param applicationInsightsId string
param serviceBusNamespaceId string
param queueName string
@description('Optional e-mail address that receives the alerts.')
param alertEmail string = ''

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: '${namePrefix}-operators'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'mfaphone'
    enabled: true
    emailReceivers: [{ name: 'operator', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

var actions = empty(alertEmail) ? [] : [actionGroup.id]

resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-dead-lettered-requests'
  location: 'global'
  tags: tags
  properties: {
    description: 'A sync request message was dead-lettered (invalid, or failed five deliveries).'
    severity: 2
    enabled: true
    scopes: [serviceBusNamespaceId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: 'deadLettered'
          criterionType: 'StaticThresholdCriterion'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [{ name: 'EntityName', operator: 'Include', values: [queueName] }]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [for id in actions: { actionGroupId: id }]
  }
}

// Log alerts read the app's structured log records (custom dimensions) in Application Insights.
resource failedRuns 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${namePrefix}-failed-runs'
  location: location
  tags: tags
  properties: {
    description: 'A sync run ended failed, or a user could not be synced after all retries.'
    severity: 2
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'union traces, exceptions | where severityLevel >= 3 or itemType == "exception" | where operation_Name in ("syncPhoneNumbers", "syncUserPhone") or message has "run failed"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: actions }
  }
}

resource graphThrottling 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${namePrefix}-graph-throttling'
  location: location
  tags: tags
  properties: {
    description: 'Microsoft Graph answered 429 repeatedly: lower GRAPH_WRITES_PER_150S or the instance count.'
    severity: 3
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'union traces, dependencies | where message has "429" or resultCode == "429" or customDimensions.status == "429"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 20
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: actions }
  }
}
