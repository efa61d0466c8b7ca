#!/bin/sh
# Grants the function app's managed identity the Microsoft Graph application permissions it needs.
# Idempotent: a role already assigned is left alone, so it is safe to run after every `azd provision`.
#
# Who runs it: a Privileged Role Administrator or Global Administrator of the tenant (granting Microsoft
# Graph application permissions is admin consent), signed in with `az login`.
#
# Roles:
#   User.Read.All                          read users and the source attribute
#   UserAuthenticationMethod.ReadWrite.All read and write the phone authentication method
#   GroupMember.Read.All                   only with a pilot group (SYNC_PILOT_GROUP_ID): transitive members
# Change notifications on users (the events path) need no further role: User.Read.All covers them.
#
# Managed-identity tokens cache app roles for up to 24 hours: a new grant (or a revoked one) may take that
# long to apply to a running app. Restarting the app does not clear that cache.
#
# Usage: grant-graph-permissions.sh <identity-principal-id> [--with-pilot-group]
#        (the principal id is the AZURE_IDENTITY_PRINCIPAL_ID output of azd provision)
set -eu

principal="${1:-}"
if [ -z "$principal" ]; then
  echo "usage: $0 <identity-principal-id> [--with-pilot-group]" >&2
  exit 2
fi
case "$principal" in
  *[!0-9a-fA-F-]*) echo "not a principal id (GUID): $principal" >&2; exit 2 ;;
esac
roles="User.Read.All UserAuthenticationMethod.ReadWrite.All"
pilot="${2:-}"
if [ "$pilot" = "--with-pilot-group" ] || [ -n "$(azd env get-value SYNC_PILOT_GROUP_ID 2>/dev/null || true)" ]; then
  roles="$roles GroupMember.Read.All"
fi

graph="https://graph.microsoft.com/v1.0"
# Microsoft Graph's service principal in this tenant (its appId is the same everywhere).
graph_sp="$(az rest --method get \
  --url "$graph/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?\$select=id" \
  --query id -o tsv)"

assigned="$(az rest --method get \
  --url "$graph/servicePrincipals/$principal/appRoleAssignments?\$select=appRoleId,resourceId" \
  --query "value[?resourceId=='$graph_sp'].appRoleId" -o tsv)"

for role in $roles; do
  role_id="$(az rest --method get \
    --url "$graph/servicePrincipals/$graph_sp?\$select=appRoles" \
    --query "appRoles[?value=='$role' && contains(allowedMemberTypes, 'Application')].id | [0]" -o tsv)"
  if [ -z "$role_id" ]; then
    echo "Microsoft Graph has no application role $role" >&2
    exit 1
  fi
  if printf '%s\n' "$assigned" | grep -qix "$role_id"; then
    echo "already granted: $role"
    continue
  fi
  az rest --method post --url "$graph/servicePrincipals/$principal/appRoleAssignments" \
    --headers "Content-Type=application/json" \
    --body "{\"principalId\":\"$principal\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$role_id\"}" \
    --output none
  echo "granted: $role"
done
echo "Done. Roles reach the app's tokens within 24 hours (managed-identity token cache)."
