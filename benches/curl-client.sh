#!/usr/bin/env bash
# Baseline for `cargo xtask bench`, not a product: the shape of the hand-rolled tenant
# clients lpctl replaces — fetch the GitHub OIDC token, POST one Odoo post-deploy.
# Usage: curl-client.sh <idempotency-key>   (env: LAUNCHPLANE_URL, LAUNCHPLANE_AUDIENCE,
#        ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN)
set -euo pipefail
key="$1"
token_json=$(curl -sS --fail -H "Authorization: Bearer ${ACTIONS_ID_TOKEN_REQUEST_TOKEN}" \
  "${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${LAUNCHPLANE_AUDIENCE}")
token=$(printf '%s' "$token_json" | tr -d '\n' | sed -n 's/.*"value"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
[ -n "$token" ]
status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST \
  -H "Authorization: Bearer ${token}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: ${key}" \
  --data '{"product":"opw","post_deploy":{"context":"opw","instance":"testing"}}' \
  "${LAUNCHPLANE_URL}/v1/drivers/odoo/post-deploy")
[ "$status" = 202 ]
