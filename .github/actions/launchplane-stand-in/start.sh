#!/usr/bin/env bash
# Starts `launchplane-testkit serve` in the background, waits for its JSON ready line and
# exports what lpctl needs to reach it the GitHub Actions way.
#
# Environment:
#   STAND_IN_BIN          the launchplane-testkit binary (required)
#   STAND_IN_CONFIG       stand-in config as inline JSON (optional; see config.schema.json)
#   STAND_IN_CONFIG_FILE  or as a file path (optional)
#   STAND_IN_FAULTS       `--fault` specs, one per line (optional)
#   STAND_IN_TIMEOUT      seconds to wait for the ready line (default 30)
#   STAND_IN_DIR          where the config, ready line and request log go (default $RUNNER_TEMP)
#   GITHUB_ENV, GITHUB_OUTPUT  the runner's files (required)
# Writes LAUNCHPLANE_URL, LAUNCHPLANE_AUDIENCE, ACTIONS_ID_TOKEN_REQUEST_URL and
# ACTIONS_ID_TOKEN_REQUEST_TOKEN to $GITHUB_ENV; pid, log and launchplane-url to $GITHUB_OUTPUT.
set -euo pipefail

fail() { echo "::error title=launchplane stand-in::$1" >&2; exit 1; }

[ -n "${GITHUB_ENV:-}" ] || fail "GITHUB_ENV is not set; run this in a GitHub Actions step"
[ -n "${GITHUB_OUTPUT:-}" ] || fail "GITHUB_OUTPUT is not set; run this in a GitHub Actions step"
[ -n "${STAND_IN_BIN:-}" ] || fail "STAND_IN_BIN is not set; point it at the launchplane-testkit binary"
[ -x "$STAND_IN_BIN" ] || fail "STAND_IN_BIN ($STAND_IN_BIN) is not an executable file"
command -v jq >/dev/null || fail "jq is needed to read the stand-in's ready line"
timeout="${STAND_IN_TIMEOUT:-30}"
[[ "$timeout" =~ ^[0-9]+$ ]] || fail "STAND_IN_TIMEOUT must be whole seconds, not '$timeout'"
if [ -n "${STAND_IN_CONFIG:-}" ] && [ -n "${STAND_IN_CONFIG_FILE:-}" ]; then
  fail "give the config inline (config) or as a file (config-file), not both"
fi

dir="${STAND_IN_DIR:-${RUNNER_TEMP:-$(mktemp -d)}}"
mkdir -p "$dir"
ready="$dir/launchplane-stand-in.ready"
log="$dir/launchplane-stand-in.log"
: >"$ready"

args=(serve)
if [ -n "${STAND_IN_CONFIG:-}" ]; then
  config="$dir/launchplane-stand-in.json"
  printf '%s\n' "$STAND_IN_CONFIG" >"$config"
  args+=(--config "$config")
elif [ -n "${STAND_IN_CONFIG_FILE:-}" ]; then
  [ -f "$STAND_IN_CONFIG_FILE" ] || fail "config-file $STAND_IN_CONFIG_FILE does not exist"
  args+=(--config "$STAND_IN_CONFIG_FILE")
fi
while IFS= read -r fault; do
  fault="${fault#"${fault%%[![:space:]]*}"}"
  [ -n "$fault" ] && args+=(--fault "$fault")
done <<<"${STAND_IN_FAULTS:-}"

# setsid: the stand-in outlives this step and is not killed with the step's process group.
if command -v setsid >/dev/null; then
  setsid "$STAND_IN_BIN" "${args[@]}" >"$ready" 2>"$log" </dev/null &
else
  nohup "$STAND_IN_BIN" "${args[@]}" >"$ready" 2>"$log" </dev/null &
fi
pid=$!

deadline=$((SECONDS + timeout))
until [ -s "$ready" ] && [ "$(tail -c 1 "$ready" | od -An -c | tr -d ' ')" = '\n' ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log" >&2
    fail "the stand-in exited before it was ready (its stderr is above)"
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    kill "$pid" 2>/dev/null || true
    cat "$log" >&2
    fail "the stand-in printed no ready line within ${timeout}s"
  fi
  sleep 0.1
done

line="$(head -n 1 "$ready")"
field() { jq -er --arg k "$1" '.[$k] | strings' <<<"$line" || fail "the ready line has no '$1'"; }
url="$(field launchplane_url)"
audience="$(field audience)"
token_url="$(field token_request_url)"
token="$(field token_request_token)"
echo "::add-mask::$token"
{
  echo "LAUNCHPLANE_URL=$url"
  echo "LAUNCHPLANE_AUDIENCE=$audience"
  echo "ACTIONS_ID_TOKEN_REQUEST_URL=$token_url"
  echo "ACTIONS_ID_TOKEN_REQUEST_TOKEN=$token"
} >>"$GITHUB_ENV"
{
  echo "pid=$pid"
  echo "log=$log"
  echo "launchplane-url=$url"
} >>"$GITHUB_OUTPUT"
echo "Launchplane stand-in (pid $pid) serves $url for $(jq -r '.repository' <<<"$line"); requests are logged to $log"
