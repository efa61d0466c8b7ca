#!/bin/sh
# azd preprovision hook: when the Graph events path is on, make sure this environment has a clientState.
# Generated once and kept in the azd environment (.azure/<env>/.env, on the operator's machine only), so
# re-provisioning does not change it under a live Graph subscription. Bicep stores it in Key Vault; the
# app reads it through a Key Vault reference. The value is never printed.
set -eu
topic="$(azd env get-value GRAPH_EVENTS_TOPIC_NAME 2>/dev/null || true)"
state="$(azd env get-value EVENTS_CLIENT_STATE 2>/dev/null || true)"
if [ -n "$topic" ] && [ -z "$state" ]; then
  # 48 random bytes as URL-safe base64: 64 characters (Graph allows up to 128).
  state="$(node -e "process.stdout.write(require('crypto').randomBytes(48).toString('base64url'))")"
  azd env set EVENTS_CLIENT_STATE "$state" >/dev/null
  echo "Generated EVENTS_CLIENT_STATE for this environment (stored in the azd environment and Key Vault)."
fi
