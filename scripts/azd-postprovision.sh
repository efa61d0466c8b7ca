#!/bin/sh
# azd postprovision hook: the identity exists now, but it can do nothing in Microsoft Graph until a
# tenant administrator grants it app roles. Runs the grant when GRANT_GRAPH_PERMISSIONS=true (the signed-in
# az user must then be a Privileged Role Administrator or Global Administrator); otherwise says how.
set -eu
principal="$(azd env get-value AZURE_IDENTITY_PRINCIPAL_ID)"
grant="$(azd env get-value GRANT_GRAPH_PERMISSIONS 2>/dev/null || true)"
if [ "$grant" = "true" ]; then
  "$(dirname "$0")/grant-graph-permissions.sh" "$principal"
else
  cat <<MSG

Next step (once per environment): grant Microsoft Graph app roles to the app's identity.
A Privileged Role Administrator or Global Administrator runs:
    ./scripts/grant-graph-permissions.sh $principal
or, in PowerShell:
    ./scripts/grant-graph-permissions.ps1 -PrincipalId $principal
(or set GRANT_GRAPH_PERMISSIONS=true with 'azd env set' to run it from this hook).
Managed-identity tokens cache roles for up to 24 hours: a fresh grant may take that long to apply.
MSG
fi
