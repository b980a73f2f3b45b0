# SPDX-License-Identifier: MIT
# Shared helpers for scripts/*: dependency installation, stage timing, build directories.
# Sourced, not executed.

SATORI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SATORI_ROOT

# Debian packages every script needs; others add their own with satori_need.
SATORI_BASE_PACKAGES=(build-essential cmake g++ pkg-config catch2 libcli11-dev nlohmann-json3-dev
  libfmt-dev iproute2)

_satori_stage_names=()
_satori_stage_secs=()

satori_log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# satori_need PKG... — installs what is missing, idempotently (apt-get update once).
satori_need() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root to install: ${missing[*]}" >&2; return 1; }
    sudo="sudo"
  fi
  satori_log "installing ${missing[*]}"
  if [ -z "${_SATORI_APT_UPDATED:-}" ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    _SATORI_APT_UPDATED=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# satori_stage NAME COMMAND... — runs a stage, records and prints its duration.
satori_stage() {
  local name="$1"; shift
  local start end rc
  satori_log "[$name] starting"
  start=$(date +%s)
  set +e
  "$@"
  rc=$?
  set -e
  end=$(date +%s)
  _satori_stage_names+=("$name")
  _satori_stage_secs+=($((end - start)))
  if [ $rc -ne 0 ]; then
    satori_log "[$name] FAILED after $((end - start)) s (exit $rc)"
    satori_stage_summary
    exit $rc
  fi
  satori_log "[$name] done in $((end - start)) s"
}

satori_stage_summary() {
  local i total=0
  echo
  echo "Stage timings:"
  for i in "${!_satori_stage_names[@]}"; do
    printf '  %-28s %5d s\n' "${_satori_stage_names[$i]}" "${_satori_stage_secs[$i]}"
    total=$((total + _satori_stage_secs[$i]))
  done
  printf '  %-28s %5d s\n' "total" "$total"
}

satori_jobs() { nproc 2>/dev/null || echo 2; }

# satori_build DIR [cmake args...] — configure (once) and build.
satori_build() {
  local dir="$1"; shift
  cmake -S "$SATORI_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$(satori_jobs)"
}
