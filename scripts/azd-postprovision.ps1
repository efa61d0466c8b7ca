# azd postprovision hook (Windows): see azd-postprovision.sh.
$ErrorActionPreference = 'Stop'
$principal = (azd env get-value AZURE_IDENTITY_PRINCIPAL_ID)
$grant = (azd env get-value GRANT_GRAPH_PERMISSIONS 2>$null)
if ($grant -eq 'true') {
  & "$PSScriptRoot/grant-graph-permissions.ps1" -PrincipalId $principal
} else {
  Write-Host ''
  Write-Host 'Next step (once per environment): grant Microsoft Graph app roles to the app''s identity.'
  Write-Host 'A Privileged Role Administrator or Global Administrator runs:'
  Write-Host "    ./scripts/grant-graph-permissions.ps1 -PrincipalId $principal"
  Write-Host '(or set GRANT_GRAPH_PERMISSIONS=true with ''azd env set'' to run it from this hook).'
  Write-Host 'Managed-identity tokens cache roles for up to 24 hours: a fresh grant may take that long to apply.'
}
