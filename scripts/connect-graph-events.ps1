# azd postdeploy hook (Windows): the same steps as connect-graph-events.sh, which holds the explanation.
# Runs that script through the bash that Git for Windows or WSL provides; without one, says how to proceed.
$ErrorActionPreference = 'Stop'
$bash = Get-Command bash -ErrorAction SilentlyContinue
if ($bash) {
  & $bash.Source "$PSScriptRoot/connect-graph-events.sh"
  exit $LASTEXITCODE
}
Write-Host 'connect-graph-events needs bash (Git for Windows or WSL). Run scripts/connect-graph-events.sh there,'
Write-Host 'or follow README "Deploying to Azure" > "Graph change events" in the portal.'
