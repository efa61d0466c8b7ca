# azd preprovision hook (Windows): see azd-preprovision.sh. Generates EVENTS_CLIENT_STATE once per
# environment when the Graph events path is on; the value is never printed.
$ErrorActionPreference = 'Stop'
$topic = (azd env get-value GRAPH_EVENTS_TOPIC_NAME 2>$null)
$state = (azd env get-value EVENTS_CLIENT_STATE 2>$null)
if ($LASTEXITCODE -ne 0) { $state = '' }
if ($topic -and -not $state) {
  $bytes = [byte[]]::new(48)
  [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
  $state = [Convert]::ToBase64String($bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
  azd env set EVENTS_CLIENT_STATE $state | Out-Null
  Write-Host 'Generated EVENTS_CLIENT_STATE for this environment (stored in the azd environment and Key Vault).'
}
