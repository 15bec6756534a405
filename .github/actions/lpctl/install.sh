#!/usr/bin/env bash
# Installs lpctl for the lpctl actions (.github/actions/lpctl and .github/actions/lpctl/install).
#
#   install.sh plan      decide what to install; writes source, key, tag, target, repository,
#                        commit and path to $GITHUB_OUTPUT (stdout without it)
#   install.sh install   install what `plan` decided (LPCTL_SOURCE, LPCTL_TAG, ... from its
#                        outputs) as $LPCTL_INSTALL_DIR/lpctl
#
# A release is downloaded and its SHA-256 checked against checksums/<tag>.sha256 next to this
# script, committed in this repository: never against sums fetched from the release itself.
# Anything else is built from source with the install-fast profile. See README.md here.
#
# Environment: LPCTL_VERSION (the action's `version`), LPCTL_ACTION_REPOSITORY and
# LPCTL_ACTION_REF (github.action_*), LPCTL_INSTALL_DIR (default ~/.cargo/bin),
# LPCTL_RELEASES_URL (default https://github.com/<repository>/releases/download).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checksums_dir="$script_dir/checksums"
install_dir="${LPCTL_INSTALL_DIR:-$HOME/.cargo/bin}"

# Workflow commands are read from stderr too; stderr keeps them out of captured values.
fail() {
  echo "::error title=lpctl install::$1" >&2
  exit 2
}

notice() { echo "::notice title=lpctl install::$1"; }

output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  else
    printf '%s=%s\n' "$1" "$2"
  fi
}

# The release target for this machine, empty when there is none.
release_target() {
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64 | Linux/amd64) echo x86_64-unknown-linux-musl ;;
    Linux/aarch64 | Linux/arm64) echo aarch64-unknown-linux-musl ;;
    Darwin/arm64 | Darwin/aarch64) echo aarch64-apple-darwin ;;
    *) echo "" ;;
  esac
}

# The newest plain vX.Y.Z release with committed checksums; prereleases are only installed
# when asked for by name.
newest_committed_release() {
  [ -d "$checksums_dir" ] || return 0
  local file name
  for file in "$checksums_dir"/v*.sha256; do
    [ -f "$file" ] || continue
    name="$(basename "$file" .sha256)"
    if [[ "$name" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then echo "${name#v}"; fi
  done | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1 | sed 's/^./v&/'
}

releases_url() {
  local url="${LPCTL_RELEASES_URL:-https://github.com/$1/releases/download}"
  case "$url" in
    https://* | http://127.0.0.1[:/]* | http://localhost[:/]* | "http://[::1]"[:/]*) echo "${url%/}" ;;
    *) fail "LPCTL_RELEASES_URL must be https (http only for loopback): $url" ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{ print $1 }'
  else
    shasum -a 256 "$1" | awk '{ print $1 }'
  fi
}

plan() {
  local version="${LPCTL_VERSION:-}" repository="${LPCTL_ACTION_REPOSITORY:-}" ref="${LPCTL_ACTION_REF:-}"
  local target image
  target="$(release_target)"
  image="${ImageOS:-$(uname -s)}-${ImageVersion:-self-hosted}-$(uname -m)"

  if [[ "$version" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    local tag="v${version#v}"
    [ -f "$checksums_dir/$tag.sha256" ] \
      || fail "no checksums for lpctl $tag are committed with this action (.github/actions/lpctl/checksums/$tag.sha256): pin the action to a commit that has them, or set version to a commit SHA to build from source"
    [ -n "$target" ] \
      || fail "lpctl $tag has no release for $(uname -s) $(uname -m) (releases: x86_64 and aarch64 Linux, aarch64 macOS); set version to a commit SHA to build from source"
    [ -n "$repository" ] || [ -n "${LPCTL_RELEASES_URL:-}" ] \
      || fail "the action's repository is unknown (local action), so there is nothing to download $tag from; pin the action to a commit instead"
    releases_url "$repository" >/dev/null
    plan_release "$tag" "$target" "$repository" "$image"
    return
  fi

  if [ -z "$version" ] && [ -n "$repository" ]; then
    # Called at a release tag: that release, when its sums are here (a tagged commit cannot
    # hold its own sums: they exist only once the release is built); else a build of the tag.
    local wanted
    if [[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
      wanted=""
      [ -f "$checksums_dir/$ref.sha256" ] && wanted="$ref"
    else
      wanted="$(newest_committed_release)"
    fi
    if [ -n "$wanted" ] && [ -n "$target" ]; then
      releases_url "$repository" >/dev/null
      plan_release "$wanted" "$target" "$repository" "$image"
      return
    fi
    if [ -n "$wanted" ]; then
      notice "lpctl $wanted has no release for $(uname -s) $(uname -m) (releases: x86_64 and aarch64 Linux, aarch64 macOS); building from source"
    fi
  fi

  ref="${version:-$ref}"
  if [ -z "$repository" ] || [ -z "$ref" ]; then
    [ -z "$version" ] || fail "version is set but the action's repository is unknown (local action); pin the action to a commit instead"
    # Repository or ref unknown: build the source tree the action was loaded from.
    local root commit
    root="$(cd "$script_dir/../../.." && pwd)"
    [ -f "$root/crates/lpctl/Cargo.toml" ] || fail "no crates/lpctl under $root"
    commit="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo "unversioned-${GITHUB_RUN_ID:-0}-${GITHUB_RUN_ATTEMPT:-0}")"
    output source path
    output path "$root/crates/lpctl"
    output key "lpctl-$image-path-$commit"
    return
  fi

  local commit
  if [[ "$ref" =~ ^[0-9a-fA-F]{40}$ ]]; then
    commit="$ref"
  else
    # Peeled tag first (the commit an annotated tag points at), then tag, then branch.
    local refs wanted
    refs="$(git ls-remote "https://github.com/$repository" \
      "refs/tags/$ref^{}" "refs/tags/$ref" "refs/heads/$ref")" \
      || fail "cannot list the refs of $repository"
    commit=""
    for wanted in "refs/tags/$ref^{}" "refs/tags/$ref" "refs/heads/$ref"; do
      commit="$(awk -v r="$wanted" '$2 == r { print $1; exit }' <<<"$refs")"
      [ -n "$commit" ] && break
    done
    [ -n "$commit" ] || fail "'$ref' is not a full commit SHA, tag or branch of $repository"
    echo "lpctl: $ref is $commit"
  fi
  output source git
  output repository "$repository"
  output commit "$commit"
  output key "lpctl-$image-git-${repository//\//-}-$commit"
}

plan_release() {
  echo "lpctl: installing release $1 for $2"
  output source release
  output tag "$1"
  output target "$2"
  output repository "$3"
  output key "lpctl-$4-release-$1"
}

install_release() {
  local tag="${LPCTL_TAG:?}" target="${LPCTL_TARGET:?}" repository="${LPCTL_REPOSITORY:-}"
  local sums="$checksums_dir/$tag.sha256"
  local archive="lpctl-$tag-$target.tar.gz"
  [ -f "$sums" ] || fail "no checksums for lpctl $tag are committed with this action ($sums)"
  local expected
  expected="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$sums")"
  [[ "$expected" =~ ^[0-9a-f]{64}$ ]] \
    || fail "the committed checksums for lpctl $tag ($sums) have no SHA-256 for $archive"

  local base url status
  base="$(releases_url "$repository")"
  url="$base/$tag/$archive"
  scratch
  status="$(curl --silent --show-error --location --proto-redir =https --retry 3 \
    --connect-timeout 10 --max-time 300 --output "$work/$archive" --write-out '%{http_code}' "$url")" \
    || fail "cannot download $url"
  [ "$status" = 200 ] || fail "lpctl $tag has no asset $archive (HTTP $status from $url)"

  local actual
  actual="$(sha256_of "$work/$archive")"
  [ "$actual" = "$expected" ] \
    || fail "checksum mismatch for $archive: the download has SHA-256 $actual, the committed checksums ($sums) say $expected; nothing was installed"

  mkdir "$work/unpacked"
  tar -xzf "$work/$archive" -C "$work/unpacked" lpctl 2>/dev/null \
    || fail "$archive holds no lpctl at its top level"
  [ -f "$work/unpacked/lpctl" ] && [ ! -L "$work/unpacked/lpctl" ] \
    || fail "lpctl in $archive is not a regular file"
  place "$work/unpacked/lpctl"
}

install_from_source() {
  scratch
  local what=()
  if [ "${LPCTL_SOURCE:?}" = path ]; then
    what=(--path "${LPCTL_CRATE_PATH:?}")
  else
    what=(--git "https://github.com/${LPCTL_REPOSITORY:?}" --rev "${LPCTL_COMMIT:?}" lpctl)
  fi
  # stderr goes to the log and to a file; the pipeline (pipefail) ends when both are written.
  if ! { cargo install --locked --root "$work/root" --profile install-fast "${what[@]}" 2>&1 1>&3 3>&- \
    | tee "$work/cargo.err" >&2; } 3>&1; then
    # shellcheck disable=SC2016 # the backticks are cargo's
    grep -q 'profile `install-fast` is not defined' "$work/cargo.err" \
      || fail "building lpctl failed (cargo install ${what[*]})"
    notice "this commit predates the install-fast profile; building with the release profile"
    cargo install --locked --root "$work/root" "${what[@]}" || fail "building lpctl failed (cargo install ${what[*]})"
  fi
  place "$work/root/bin/lpctl"
}

# A private directory for the download or build, removed on exit (`work` is global for the trap).
scratch() {
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
}

# Moves the binary into place in one step and checks that it runs here.
place() {
  mkdir -p "$install_dir"
  local staged="$install_dir/.lpctl.$$"
  cp "$1" "$staged"
  chmod 0755 "$staged"
  mv -f "$staged" "$install_dir/lpctl"
  local version
  version="$("$install_dir/lpctl" --version 2>&1)" || {
    rm -f "$install_dir/lpctl"
    fail "the installed lpctl does not run on this runner: $version"
  }
  echo "lpctl: installed $version at $install_dir/lpctl"
}

case "${1:-}" in
  plan) plan ;;
  install)
    case "${LPCTL_SOURCE:-}" in
      release) install_release ;;
      git | path) install_from_source ;;
      *) fail "nothing planned to install (LPCTL_SOURCE='${LPCTL_SOURCE:-}'); run \`install.sh plan\` first" ;;
    esac
    ;;
  *) fail "usage: install.sh plan | install" ;;
esac
