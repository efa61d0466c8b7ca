#!/bin/sh
# azd postdeploy hook: connect Microsoft Graph change notifications to the function app.
#
# Order (README "Deploying to Azure"):
#   1. azd provision authorizes the partner "Microsoft Graph API" in the resource group (Bicep).
#   2. After the Graph roles are granted, the app's subscription upkeep creates the Graph subscription
#      with the EventGrid: notification URL; only then does Graph create the partner topic.
#   3. This script (rerun it with `azd hooks run postdeploy` once the topic exists) activates the topic,
#      gives it an identity that may write dead letters, and subscribes the function with CloudEvents,
#      retries and dead-lettering. Every step is idempotent.
set -eu
api="api-version=2025-02-15"
topic="$(azd env get-value GRAPH_EVENTS_TOPIC_NAME 2>/dev/null || true)"
if [ -z "$topic" ]; then
  echo "Graph events path is off (GRAPH_EVENTS_TOPIC_NAME not set): nothing to connect."
  exit 0
fi
sub="$(azd env get-value AZURE_SUBSCRIPTION_ID)"
rg="$(azd env get-value AZURE_RESOURCE_GROUP)"
app="$(azd env get-value AZURE_FUNCTION_APP_NAME)"
storage="$(azd env get-value AZURE_STORAGE_ACCOUNT_NAME)"
function_name="$(azd env get-value EVENTS_FUNCTION_NAME 2>/dev/null || echo directoryEvents)"
rg_id="/subscriptions/$sub/resourceGroups/$rg"
topic_id="$rg_id/providers/Microsoft.EventGrid/partnerTopics/$topic"
storage_id="$rg_id/providers/Microsoft.Storage/storageAccounts/$storage"

if ! state="$(az rest --method get --url "https://management.azure.com$topic_id?$api" \
  --query properties.activationState -o tsv 2>/dev/null)"; then
  cat <<MSG
Partner topic '$topic' does not exist yet. Graph creates it when the app first creates its subscription:
grant the Graph roles (scripts/grant-graph-permissions.sh), wait for the subscription upkeep to run (it
runs at start-up and on EVENTS_UPKEEP_SCHEDULE), then run:  azd hooks run postdeploy
Until then the app works through the HTTP and Service Bus doors; no event is lost for good: the delta
reconciliation catches changes made meanwhile.
MSG
  exit 0
fi

if [ "$state" != "Activated" ]; then
  az rest --method post --url "https://management.azure.com$topic_id/activate?$api" --output none
  echo "activated partner topic $topic"
fi

# The topic's own identity writes undeliverable events to the dead-letter container (no storage keys).
principal="$(az rest --method patch --url "https://management.azure.com$topic_id?$api" \
  --headers "Content-Type=application/json" --body '{"identity":{"type":"SystemAssigned"}}' \
  --query identity.principalId -o tsv)"
container_scope="$storage_id/blobServices/default/containers/graph-events-deadletter"
if [ -z "$(az role assignment list --assignee "$principal" --scope "$container_scope" \
  --role ba92f5b4-2d11-453d-a403-e96b0029c9fe --query '[0].id' -o tsv)" ]; then
  # Storage Blob Data Contributor on the dead-letter container only.
  az role assignment create --assignee-object-id "$principal" --assignee-principal-type ServicePrincipal \
    --role ba92f5b4-2d11-453d-a403-e96b0029c9fe --scope "$container_scope" --output none
fi

body=$(cat <<JSON
{"properties":{
  "destination":{"endpointType":"AzureFunction","properties":{
    "resourceId":"$rg_id/providers/Microsoft.Web/sites/$app/functions/$function_name"}},
  "eventDeliverySchema":"CloudEventSchemaV1_0",
  "retryPolicy":{"maxDeliveryAttempts":30,"eventTimeToLiveInMinutes":1440},
  "deadLetterWithResourceIdentity":{"identity":{"type":"SystemAssigned"},
    "deadLetterDestination":{"endpointType":"StorageBlob","properties":{
      "resourceId":"$storage_id","blobContainerName":"graph-events-deadletter"}}}}}
JSON
)
az rest --method put --url "https://management.azure.com$topic_id/eventSubscriptions/$function_name?$api" \
  --headers "Content-Type=application/json" --body "$body" --output none
echo "subscribed $app/$function_name to partner topic $topic (CloudEvents, 30 attempts / 24 h, dead letters)"
