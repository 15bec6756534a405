#!/usr/bin/env bash
# Runs one launchplane-request step through lpctl: every input of Launchplane's own
# `.github/actions/launchplane-request` (same names, same defaults, given here as LPR_*
# variables by action.yml) becomes lpctl flags, or is refused with an ::error annotation
# naming the input and what to write instead. Nothing is sent when an input is refused.
# See docs/launchplane-request-parity.md for the mapping of every input and why.
#
# Environment: LPR_<INPUT> for each input (upper case, `-` as `_`), LPR_CONFIRM,
# LPR_LPCTL (the lpctl binary; default ~/.cargo/bin/lpctl), GITHUB_OUTPUT, RUNNER_TEMP.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lpctl="${LPR_LPCTL:-$HOME/.cargo/bin/lpctl}"

# Workflow commands go to stderr too; the runner reads both, stdout stays the response.
fail() {
  echo "::error title=launchplane-request::$1" >&2
  exit 2
}

input() {
  local name="LPR_$1"
  local value="${!name-}"
  # Trimmed like Launchplane's getInput; folded YAML (>-) leaves edges of whitespace.
  value="${value#"${value%%[![:space:]]*}"}"
  value="${value%"${value##*[![:space:]]}"}"
  printf '%s' "$value"
}

output() {
  [ -n "${GITHUB_OUTPUT:-}" ] || return 0
  local delimiter
  delimiter="LPR_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s<<%s\n%s\n%s\n' "$1" "$delimiter" "$2" "$delimiter" >>"$GITHUB_OUTPUT"
}

# Comma-separated entries, each trimmed, blanks dropped (Launchplane's splitCommaSeparated).
split_commas() {
  local entry
  local -a entries
  IFS=',' read -r -a entries <<<"${1//$'\n'/ }"
  for entry in ${entries[@]+"${entries[@]}"}; do
    entry="${entry#"${entry%%[![:space:]]*}"}"
    entry="${entry%"${entry##*[![:space:]]}"}"
    [ -z "$entry" ] || printf '%s\n' "$entry"
  done
}

# Milliseconds as lpctl seconds, rounded up: a limit is never shortened.
ms_to_seconds() {
  local name="$1" value="$2"
  [[ "$value" =~ ^[0-9]+$ ]] || fail "$name must be a non-negative integer of milliseconds, not '$value'"
  value=$((10#$value))
  printf '%ss' $(((value + 999) / 1000))
}

need_jq() {
  command -v jq >/dev/null 2>&1 || fail "$1 needs jq on the runner (GitHub-hosted runners have it); install jq or drop $1"
}

launchplane_url="$(input LAUNCHPLANE_URL)"
route_path="$(input ROUTE_PATH)"
method="$(input METHOD)"
method="${method:-POST}"
method="$(printf '%s' "$method" | tr '[:lower:]' '[:upper:]')"
audience="$(input AUDIENCE)"

[ -n "$launchplane_url" ] || fail "launchplane-url is required: the Launchplane base URL, e.g. \${{ vars.LAUNCHPLANE_URL }}"
[ -n "$route_path" ] || fail "route-path is required: an absolute route of the spec, e.g. /v1/drivers/odoo/post-deploy"
[[ "$route_path" == /* ]] || fail "route-path '$route_path' must be absolute (start with /v1/)"
[[ "$launchplane_url" =~ ^(https?://[^/?#]+) ]] || fail "launchplane-url '$launchplane_url' is not an http(s) URL"
origin="${BASH_REMATCH[1]}"
if [ -z "$audience" ]; then
  # Launchplane's action asks for a token for the URL's host (with its port). The token still
  # goes only to that host, and Launchplane refuses one minted for another audience.
  audience="${origin#*://}"
  echo "::notice title=launchplane-request::audience not set: the token is for '$audience', the host of launchplane-url, as Launchplane's action does; set audience (e.g. \${{ vars.LAUNCHPLANE_AUDIENCE }}) if Launchplane expects another"
fi

[ -x "$lpctl" ] || fail "lpctl is not installed at $lpctl"

# The spec decides which routes exist and how a long-running one is waited for.
route_error="$(mktemp)"
if ! route_json="$("$lpctl" route --method "$method" --route-path "$route_path" 2>"$route_error")"; then
  message="$(sed 's/^lpctl route: //' "$route_error")"
  rm -f "$route_error"
  fail "route-path: $method $route_path cannot be called: ${message}. Call a route of the spec lpctl carries, or pin a newer lpctl (version) that carries it"
fi
rm -f "$route_error"

args=(call --route-path "$route_path" --method "$method" --url "$launchplane_url" --audience "$audience")

# Request body: one of payload, payload-file, payload-list-file.
payload="$(input PAYLOAD)"
payload_file="$(input PAYLOAD_FILE)"
payload_list_file="$(input PAYLOAD_LIST_FILE)"
given=0
for value in "$payload" "$payload_file" "$payload_list_file"; do
  [ -z "$value" ] || given=$((given + 1))
done
[ "$given" -le 1 ] || fail "payload, payload-file and payload-list-file: use only one"

private_dir="$(umask 077 && mktemp -d)"
trap 'rm -rf "$private_dir"' EXIT

idempotency_key="$(input IDEMPOTENCY_KEY)"
key_prefix="$(input IDEMPOTENCY_KEY_PREFIX)"
if [ -n "$payload_list_file" ]; then
  [ -n "$key_prefix" ] || fail "idempotency-key-prefix is required when payload-list-file is set: each entry's key is the prefix and a digest of the entry"
  [ -z "$idempotency_key" ] || fail "idempotency-key cannot be combined with payload-list-file: every entry gets its own key from idempotency-key-prefix"
  args+=(--body-list "$payload_list_file" --key-prefix "$key_prefix")
else
  [ -z "$key_prefix" ] || fail "idempotency-key-prefix applies to payload-list-file only; for one request set idempotency-key"
  if [ -n "$payload" ]; then
    printf '%s' "$payload" >"$private_dir/payload.json"
    args+=(--body "$private_dir/payload.json")
  elif [ -n "$payload_file" ]; then
    args+=(--body "$payload_file")
  fi
  [ -z "$idempotency_key" ] || args+=(--idempotency-key "$idempotency_key")
fi

# Launchplane keeps no failed answer of some operations (its prod promotions) under the key: a
# key that names the run attempt, as its own workflows write it, turns a re-run after a lost
# answer into a second promotion. The step still runs as written.
if [ -n "$idempotency_key" ] && [ -n "${GITHUB_RUN_ID:-}" ] && [ -n "${GITHUB_RUN_ATTEMPT:-}" ] \
  && command -v jq >/dev/null 2>&1 && [ "$(jq -r '.stores_failures' <<<"$route_json")" = false ]; then
  case "$idempotency_key" in
    *"$GITHUB_RUN_ID"[:-]"$GITHUB_RUN_ATTEMPT" | *"$GITHUB_RUN_ID"[:-]"$GITHUB_RUN_ATTEMPT":*)
      echo "::warning title=launchplane-request::idempotency-key '$idempotency_key' names run attempt $GITHUB_RUN_ATTEMPT: re-running this job after a lost answer sends a new key and runs $(jq -r '.operation' <<<"$route_json") again. Launchplane keeps only answers that did not fail under its key, so a key (and a request id) without \${{ github.run_attempt }} makes a re-run replay a finished call and run a failed one again"
      ;;
  esac
fi

# payload-fields: `json.path=value` lines; `#` lines and blank lines are skipped.
while IFS= read -r line || [ -n "$line" ]; do
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  case "$line" in '' | '#'*) continue ;; esac
  [[ "$line" == ?*=* ]] || fail "payload-fields line '$line' is not json.path=value"
  args+=(--set "$line")
done <<<"$(input PAYLOAD_FIELDS)"

# payload-json-files: `json.path=file` lines; the file's JSON is written at the path.
while IFS= read -r line || [ -n "$line" ]; do
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  case "$line" in '' | '#'*) continue ;; esac
  [[ "$line" =~ ^([^=]+)=(.+)$ ]] || fail "payload-json-files line '$line' is not json.path=file"
  args+=(--set-json "${BASH_REMATCH[1]}=@${BASH_REMATCH[2]}")
done <<<"$(input PAYLOAD_JSON_FILES)"

# Time limits and retries.
timeout_ms="$(input TIMEOUT_MS)"
timeout_ms="${timeout_ms:-0}"
timeout="$(ms_to_seconds timeout-ms "$timeout_ms")"
# 0 is "no limit" in Launchplane's action; lpctl always keeps its own bound (see --help).
[ "$timeout" = 0s ] || args+=(--timeout "$timeout")
for name in OIDC_TIMEOUT_MS RETRY_DELAY_MS INGRESS_RETRY_DELAY_MS; do
  value="$(input "$name")"
  label="$(printf '%s' "$name" | tr '[:upper:]_' '[:lower:]-')"
  [ -z "$value" ] || [[ "$value" =~ ^[0-9]+$ ]] || fail "$label must be a non-negative integer of milliseconds, not '$value'"
done
retry_attempts="$(input RETRY_ATTEMPTS)"
if [ -n "$retry_attempts" ]; then
  [[ "$retry_attempts" =~ ^[1-9][0-9]*$ ]] || fail "retry-attempts must be a positive integer, not '$retry_attempts'"
  args+=(--max-attempts "$retry_attempts")
fi

expected_status="$(input EXPECTED_STATUS)"
if [ -n "$expected_status" ]; then
  codes="$(split_commas "$expected_status" | paste -sd, -)"
  [[ "$codes" =~ ^[1-5][0-9][0-9](,[1-5][0-9][0-9])*$ ]] || fail "expected-status '$expected_status' must be comma-separated 3-digit HTTP status codes"
  # A status the route never answers (Launchplane's workflows list 200 beside the 202 its driver
  # routes answer) is left out with a notice; lpctl refuses undeclared codes.
  declared_codes=",$(jq -r '.statuses | join(",")' <<<"$route_json"),"
  kept=""
  for code in ${codes//,/ }; do
    if [[ "$declared_codes" == *",$code,"* ]]; then
      kept="${kept:+$kept,}$code"
    else
      echo "::notice title=launchplane-request::expected-status $code: $route_path never answers $code in the spec; left out"
    fi
  done
  [ -n "$kept" ] || fail "expected-status '$expected_status': $route_path answers none of these in the spec"
  args+=(--expect-status "$kept")
fi

# Polling: only as the spec declares it for this route.
poll_result_path="$(input POLL_RESULT_PATH)"
poll_until_path="$(input POLL_UNTIL_PATH)"
poll_until_value="$(input POLL_UNTIL_VALUE)"
case "$(input POLL_RETRY_ON_UNEXPECTED_STATUS | tr '[:upper:]' '[:lower:]')" in
  '' | false) ;;
  true) fail "poll-retry-on-unexpected-status is not supported: it polls through rejections (401, 403, 409) as if the work were still running. Drop it; the spec's polling for this route ends on any answer that is not pending, and expected-status lists the answers the step accepts" ;;
  *) fail "poll-retry-on-unexpected-status must be true or false" ;;
esac
case "$(input POLL_RETRY_ON_REQUEST_ERROR | tr '[:upper:]' '[:lower:]')" in
  '' | false | true) ;;
  *) fail "poll-retry-on-request-error must be true or false" ;;
esac
[ -z "$poll_until_value" ] || [ -n "$poll_until_path" ] || fail "poll-until-value is set without poll-until-path"
[ -z "$poll_result_path" ] || [ -z "$poll_until_path" ] || fail "poll-result-path and poll-until-path: use one"
poll_path="${poll_result_path:-$poll_until_path}"
if [ -n "$poll_path" ]; then
  input_name=poll-result-path
  [ -n "$poll_result_path" ] || input_name=poll-until-path
  need_jq "$input_name"
  declared="$(jq -c '.poll' <<<"$route_json")"
  operation="$(jq -r '.operation' <<<"$route_json")"
  [ "$declared" != null ] || fail "$input_name: the spec declares no polling for $method $route_path ($operation): its answer is final. Drop $input_name and the poll-* inputs"
  # x-launchplane-poll: `repeat` (the same request again) or `follow` (the operation URL it
  # names), each with the watched `field` and its `pending` values.
  watched="$(jq -c '(.repeat // .follow) | {field, pending: [.pending[] | ascii_downcase]}' <<<"$declared")"
  declared_field="$(jq -r '.field' <<<"$watched")"
  [ "$poll_path" = "$declared_field" ] \
    || fail "$input_name '$poll_path' is not the result the spec polls for $operation ($declared_field). Drop $input_name and the poll-* inputs, or set it to $declared_field: lpctl waits on what the spec declares"
  if [ -n "$poll_result_path" ]; then
    while IFS= read -r status; do
      status="$(printf '%s' "$status" | tr '[:upper:]' '[:lower:]')"
      jq -e --arg status "$status" '.pending | index($status) != null' <<<"$watched" >/dev/null \
        || fail "poll-result-statuses '$status' is not a pending value the spec declares for $operation ($(jq -r '.pending | join(",")' <<<"$watched")). Drop poll-result-statuses or name only those"
    done < <(split_commas "$(input POLL_RESULT_STATUSES)")
  elif jq -e --arg value "$(printf '%s' "$poll_until_value" | tr '[:upper:]' '[:lower:]')" '.pending | index($value) != null' <<<"$watched" >/dev/null; then
    fail "poll-until-value '$poll_until_value' is a pending value of $declared_field for $operation: it would stop at once. Name the value the operation ends with, or drop poll-until-value"
  fi
  poll_timeout_ms="$(input POLL_TIMEOUT_MS)"
  poll_timeout="$(ms_to_seconds poll-timeout-ms "${poll_timeout_ms:-600000}")"
  [ "$poll_timeout" != 0s ] || fail "poll-timeout-ms is 0 with $input_name: polling would fail at the first pending answer. Give the time to wait, e.g. 600000"
  poll_interval="$(ms_to_seconds poll-interval-ms "$(input POLL_INTERVAL_MS)")"
  [ "$poll_interval" != 0s ] || poll_interval=1s
  args+=(--wait --wait-timeout "$poll_timeout" --poll-interval "$poll_interval")
else
  args+=(--no-wait)
fi

# The driver result: statuses that fail the step, at the paths given.
fail_statuses="$(split_commas "$(input FAIL_RESULT_STATUSES)" | paste -sd, -)"
fail_paths=()
while IFS= read -r path; do fail_paths+=("$path"); done < <(split_commas "$(input FAIL_RESULT_PATHS)")
if [ -n "$fail_statuses" ] && [ "${#fail_paths[@]}" -gt 0 ]; then
  for path in "${fail_paths[@]}"; do args+=(--fail-result-path "$path"); done
  args+=(--fail-result-statuses "$fail_statuses")
fi

# output-paths: `name=json.path`, each name an output this action declares (a composite
# action exposes no other), else the value would vanish without a word.
declared_outputs="$(sed -n '/^outputs:/,/^runs:/s/^  \([A-Za-z0-9_-]*\):$/\1/p' "$script_dir/action.yml")"
while IFS= read -r mapping; do
  [[ "$mapping" =~ ^([^=]*[^=[:space:]])[[:space:]]*=[[:space:]]*([^[:space:]].*)$ ]] \
    || fail "output-paths entry '$mapping' is not output=json.path"
  name="${BASH_REMATCH[1]}"
  grep -qx -- "$name" <<<"$declared_outputs" \
    || fail "output-paths names '$name', which this action does not declare, so the step could not expose it. Read it from the response instead: response-output-file, or the response-body output"
  args+=(--output-path "$name=${BASH_REMATCH[2]}")
done < <(split_commas "$(input OUTPUT_PATHS)")

response_output_file="$(input RESPONSE_OUTPUT_FILE)"
response_output_path="$(input RESPONSE_OUTPUT_PATH)"
[ -z "$response_output_path" ] || [ -n "$response_output_file" ] || fail "response-output-path is set without response-output-file"
if [ -n "$response_output_path" ]; then
  [ -z "$payload_list_file" ] || fail "response-output-path cannot be combined with payload-list-file: response-output-file receives every answer of the list"
  need_jq response-output-path
fi
args+=(--response-file "$private_dir/response.json")

case "$(input LOG_RESPONSE_BODY | tr '[:upper:]' '[:lower:]')" in
  '' | true) ;;
  false) args+=(--quiet-response) ;;
  *) fail "log-response-body must be true or false" ;;
esac

confirm="$(input CONFIRM | tr '[:upper:]' '[:lower:]')"
case "$confirm" in
  false) ;;
  '' | true) args+=(--confirm) ;;
  *) fail "confirm must be true or false" ;;
esac

output launchplane-url "$origin$route_path"
output route-path "$route_path"
output audience "$audience"

code=0
"$lpctl" "${args[@]}" || code=$?

if [ -f "$private_dir/response.json" ]; then
  output response-body "$(cat "$private_dir/response.json")"
  if [ -n "$response_output_file" ]; then
    if [ -n "$response_output_path" ]; then
      jq --arg path "$response_output_path" \
        '($path | split(".") | map(select(. != ""))) as $keys
         | if any(paths; . == $keys) then getpath($keys) else error("absent") end' \
        "$private_dir/response.json" >"$response_output_file" 2>/dev/null \
        || { echo "::error title=launchplane-request::response-output-path '$response_output_path' is not in the response" >&2; code=$((code == 0 ? 1 : code)); }
    else
      cp "$private_dir/response.json" "$response_output_file"
    fi
  fi
fi
exit "$code"
