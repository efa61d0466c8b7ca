<#
.SYNOPSIS
  Grants the function app's managed identity the Microsoft Graph application permissions it needs.
.DESCRIPTION
  Idempotent: roles already assigned are left alone. Run by a Privileged Role Administrator or Global
  Administrator (Microsoft Graph application permissions need admin consent), with the Microsoft.Graph
  PowerShell module (Connect-MgGraph asks for AppRoleAssignment.ReadWrite.All and Application.Read.All).

  Roles: User.Read.All, UserAuthenticationMethod.ReadWrite.All, and GroupMember.Read.All with a pilot
  group (-WithPilotGroup). Managed-identity tokens cache roles for up to 24 hours, so a new grant may take
  that long to apply to a running app.
.PARAMETER PrincipalId
  The identity's principal (object) id: the AZURE_IDENTITY_PRINCIPAL_ID output of azd provision.
#>
param(
  [Parameter(Mandatory = $true)]
  [ValidatePattern('^[0-9a-fA-F-]{36}$')]
  [string] $PrincipalId,
  [switch] $WithPilotGroup
)
$ErrorActionPreference = 'Stop'

$roles = @('User.Read.All', 'UserAuthenticationMethod.ReadWrite.All')
$pilotGroup = (azd env get-value SYNC_PILOT_GROUP_ID 2>$null)
if ($LASTEXITCODE -ne 0) { $pilotGroup = '' }
if ($WithPilotGroup -or $pilotGroup) { $roles += 'GroupMember.Read.All' }

Connect-MgGraph -Scopes 'AppRoleAssignment.ReadWrite.All', 'Application.Read.All' -NoWelcome
$graph = Get-MgServicePrincipal -Filter "appId eq '00000003-0000-0000-c000-000000000000'"
$assigned = Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $PrincipalId -All |
  Where-Object { $_.ResourceId -eq $graph.Id } | ForEach-Object { $_.AppRoleId }

foreach ($role in $roles) {
  $appRole = $graph.AppRoles | Where-Object { $_.Value -eq $role -and $_.AllowedMemberTypes -contains 'Application' }
  if (-not $appRole) { throw "Microsoft Graph has no application role $role" }
  if ($assigned -contains $appRole.Id) { Write-Host "already granted: $role"; continue }
  New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $PrincipalId -PrincipalId $PrincipalId `
    -ResourceId $graph.Id -AppRoleId $appRole.Id | Out-Null
  Write-Host "granted: $role"
}
Write-Host 'Done. Roles reach the app''s tokens within 24 hours (managed-identity token cache).'
