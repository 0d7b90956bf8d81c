#!/usr/bin/env bash
# deploy/deploy.sh: build here, upload a release over SSH, back up the data, switch `current`
# atomically, restart Passenger, check /healthz through the public URL, and roll back by itself
# when the new release does not come up. The contract is DESIGN.md's "Deploy contract"; the
# maintainer's guide is README.md's "Deploying over SSH". The server's half is deploy/remote.sh.
set -euo pipefail

usage() {
  cat << 'EOF'
Usage: deploy/deploy.sh [--env FILE] [--dry-run] [--rollback] [--help]

Builds the app here, uploads it over SSH into DEPLOY_PATH/releases/<UTC timestamp>/, starts it
there on its own (`node app.js` on a free port with a throwaway DATA_DIR) and refuses it unless
its /healthz answers 200, backs up the data with the live release's `node dist/cli.cjs backup`,
switches DEPLOY_PATH/current (the Passenger app root) to it, restarts, and waits for
DEPLOY_URL/healthz. If that does not answer 200 from the new release, the previous release is
switched back and the exit status is 1.

  --env FILE  settings file (default deploy/deploy.env); variables set in the environment win
  --dry-run   check the server and print what would happen; change nothing
  --rollback  switch back to the previous release (restart and health check too)
  --help      this text

Settings (see deploy/deploy.env.example):
  DEPLOY_HOST, DEPLOY_USER   the SSH login
  DEPLOY_PORT                SSH port (22)
  DEPLOY_PATH                the base folder on the server (absolute, outside public_html)
  DEPLOY_URL                 the dashboard's public URL; DEPLOY_URL/healthz must answer
  DEPLOY_SSH_OPTS            extra ssh options, e.g. "-i ~/.ssh/deploy_key" (split on spaces)
  DEPLOY_KEEP                releases to keep (5); current and previous are always kept
  DEPLOY_NODE                node on the server (node on the remote PATH), e.g.
                             /home/USER/nodevenv/dashboard-app/20/bin/node
  DEPLOY_HEALTH_TIMEOUT      seconds to wait for the new release to answer (90)
  DEPLOY_SMOKE_TIMEOUT       seconds for the new release to answer when started on its own (20)
  DEPLOY_MIN_FREE_MB         free space to leave on the server beyond release and backup (100)
  DEPLOY_UPLOAD              auto (rsync when both sides have it, else tar), rsync or tar

Exit status: 0 deployed (or rolled back) and healthy; 1 failed (refused before the switch, or
the previous release is live again);
2 wrong usage or settings.
EOF
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_file=
dry_run=no
mode=deploy
while [[ $# -gt 0 ]]; do
  case $1 in
    --env) [[ $# -ge 2 ]] || { echo "error: --env needs a file" >&2; exit 2; }; env_file=$2; shift 2 ;;
    --env=*) env_file=${1#--env=}; shift ;;
    --dry-run) dry_run=yes; shift ;;
    --rollback) mode=rollback; shift ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'error: unknown argument %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
done

# Elapsed time in tenths of a second (bash 5's EPOCHREALTIME; whole seconds on older bash).
now_ds() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 100000))
  else
    echo $(($(date +%s) * 10))
  fi
}
started=$(now_ds)
elapsed() {
  local ds=$(($(now_ds) - started))
  printf '%d.%ds' $((ds / 10)) $((ds % 10))
}
step_no=0
step() {
  step_no=$((step_no + 1))
  printf '==> [%d] %s (at %s)\n' "$step_no" "$*" "$(elapsed)"
}
info() { printf '    %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'error: %s\n' "$*" >&2
  exit 2
}

# --- settings: the file, then the environment on top ---------------------------------------
settings=(DEPLOY_HOST DEPLOY_PORT DEPLOY_USER DEPLOY_PATH DEPLOY_URL DEPLOY_SSH_OPTS DEPLOY_KEEP DEPLOY_NODE
  DEPLOY_HEALTH_TIMEOUT DEPLOY_SMOKE_TIMEOUT DEPLOY_MIN_FREE_MB DEPLOY_UPLOAD)
overrides=()
for name in "${settings[@]}"; do
  if [[ -n ${!name+set} ]]; then overrides+=("$name=${!name}"); fi
done
if [[ -n $env_file ]]; then
  [[ -f $env_file ]] || usage_error "no settings file $env_file"
elif [[ -f $root/deploy/deploy.env ]]; then
  env_file=$root/deploy/deploy.env
fi
if [[ -n $env_file ]]; then
  # A settings file chosen at run time (deploy/deploy.env.example shows its lines).
  # shellcheck source=/dev/null
  source "$env_file"
fi
for pair in ${overrides[@]+"${overrides[@]}"}; do printf -v "${pair%%=*}" '%s' "${pair#*=}"; done

DEPLOY_HOST=${DEPLOY_HOST:-}
DEPLOY_USER=${DEPLOY_USER:-}
DEPLOY_PATH=${DEPLOY_PATH:-}
DEPLOY_URL=${DEPLOY_URL:-}
DEPLOY_PORT=${DEPLOY_PORT:-22}
DEPLOY_KEEP=${DEPLOY_KEEP:-5}
DEPLOY_NODE=${DEPLOY_NODE:-node}
DEPLOY_HEALTH_TIMEOUT=${DEPLOY_HEALTH_TIMEOUT:-90}
DEPLOY_SMOKE_TIMEOUT=${DEPLOY_SMOKE_TIMEOUT:-20}
DEPLOY_MIN_FREE_MB=${DEPLOY_MIN_FREE_MB:-100}
DEPLOY_UPLOAD=${DEPLOY_UPLOAD:-auto}
missing=()
for name in DEPLOY_HOST DEPLOY_USER DEPLOY_PATH DEPLOY_URL; do
  if [[ -z ${!name} ]]; then missing+=("$name"); fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  usage_error "${missing[*]} not set: copy deploy/deploy.env.example to deploy/deploy.env and fill it in (or pass --env FILE)"
fi
[[ $DEPLOY_PATH == /* ]] || usage_error "DEPLOY_PATH must be absolute (got '$DEPLOY_PATH')"
DEPLOY_PATH=${DEPLOY_PATH%/}
[[ $DEPLOY_URL =~ ^https?:// ]] || usage_error "DEPLOY_URL must start with http:// or https://"
for name in DEPLOY_PORT DEPLOY_KEEP DEPLOY_HEALTH_TIMEOUT DEPLOY_SMOKE_TIMEOUT DEPLOY_MIN_FREE_MB; do
  [[ ${!name} =~ ^[0-9]+$ ]] || usage_error "$name must be a whole number (got '${!name}')"
done
[[ $DEPLOY_KEEP -ge 1 ]] || usage_error "DEPLOY_KEEP must be at least 1"
[[ $DEPLOY_SMOKE_TIMEOUT -ge 1 ]] || usage_error "DEPLOY_SMOKE_TIMEOUT must be at least 1"
[[ $DEPLOY_UPLOAD =~ ^(auto|rsync|tar)$ ]] || usage_error "DEPLOY_UPLOAD must be auto, rsync or tar"
health_url=${DEPLOY_URL%/}/healthz
# A URL may carry a password (https://user:pass@host): never print it.
shown_url=$(printf '%s' "$health_url" | sed -E 's#^(https?://)[^/@]*@#\1***@#')

# --- SSH: one connection shared by every step -----------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/deploy.XXXXXX")
read -r -a ssh_extra <<< "${DEPLOY_SSH_OPTS:-}"
ssh_cmd=(ssh -p "$DEPLOY_PORT" -o BatchMode=yes -o ConnectTimeout=15 -o ServerAliveInterval=15
  -o ControlMaster=auto -o "ControlPath=$work/ssh" -o ControlPersist=120 ${ssh_extra[@]+"${ssh_extra[@]}"})
login=$DEPLOY_USER@$DEPLOY_HOST
remote_code=$(cat "$root/deploy/remote.sh")
lock_held=no

cleanup() {
  if [[ $lock_held == yes ]]; then remote unlock > /dev/null 2>&1 || true; fi
  "${ssh_cmd[@]}" -O exit "$login" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Runs one command of deploy/remote.sh on the server: `remote COMMAND ARGS...`.
remote() {
  local command
  command="bash -c $(printf '%q' "$remote_code") remote.sh $(printf '%q ' "$1" "$DEPLOY_PATH" "${@:2}")"
  "${ssh_cmd[@]}" "$login" "$command"
}

# The status /healthz answers (0 when nothing answers), asked with the local node: it is here for
# the build anyway, and curl may not be.
http_status() {
  node -e '
    fetch(process.argv[1], { redirect: "manual", signal: AbortSignal.timeout(10000) })
      .then((r) => console.log(r.status), () => console.log(0));' "$health_url"
}

release_name() { date -u +%Y%m%dT%H%M%SZ; }

# --- checks -------------------------------------------------------------------------------
step "connecting to $login (port $DEPLOY_PORT)"
if ! ssh_out=$("${ssh_cmd[@]}" "$login" true 2>&1); then
  fail "cannot reach $login over SSH on port $DEPLOY_PORT: ${ssh_out##*$'\n'}"
fi

step "checking the server ($DEPLOY_PATH)"
facts=$(remote inspect "$DEPLOY_NODE") || fail "could not inspect $DEPLOY_PATH on the server"
fact() { printf '%s\n' "$facts" | sed -n "s/^$1=//p" | tail -n 1; }
node_version=$(fact node_version)
if [[ -z $node_version ]]; then
  fail "no '$DEPLOY_NODE' on the server's PATH for non-interactive SSH: set DEPLOY_NODE to the full path of node 20 or later (cPanel: /home/$DEPLOY_USER/nodevenv/<app root>/20/bin/node)"
fi
node_major=${node_version#v}
node_major=${node_major%%.*}
if ! [[ $node_major =~ ^[0-9]+$ ]] || [[ $node_major -lt 20 ]]; then
  fail "the server's node ($DEPLOY_NODE) is $node_version; the app needs 20 or later: choose a newer version in cPanel's Node.js selector and set DEPLOY_NODE to it"
fi
info "node $node_version, $(($(fact free_kb) / 1024)) MB free"
if [[ -n $(fact current_not_link) ]]; then
  fail "$DEPLOY_PATH/current exists but is not a symlink: move it aside (the deploy makes current a link to releases/<name>)"
fi
if [[ $(fact env) != yes ]]; then
  fail "no $DEPLOY_PATH/shared/.env on the server. Create it once (mode 600), holding at least:
    NODE_ENV=production
    SECRET_KEY=<openssl rand -hex 32>
    DATA_DIR=/home/$DEPLOY_USER/dashboard-data   (absolute, outside public_html and $DEPLOY_PATH/releases)
  e.g.: ssh $login 'mkdir -p $DEPLOY_PATH/shared && umask 077 && cat > $DEPLOY_PATH/shared/.env'"
fi
data_dir=$(fact data_dir)
if [[ $data_dir != /* ]]; then
  fail "$DEPLOY_PATH/shared/.env must set DATA_DIR to an absolute path outside $DEPLOY_PATH/releases (got '${data_dir}'): a relative one would resolve inside each release and be left behind at the next deploy"
fi
if [[ $data_dir == "$DEPLOY_PATH/releases"* || $data_dir == "$DEPLOY_PATH/current"* ]]; then
  fail "DATA_DIR ($data_dir) is inside a release: move it outside $DEPLOY_PATH/releases and fix $DEPLOY_PATH/shared/.env"
fi
if [[ $(fact env_mode) =~ [1-7]$ ]]; then
  warn "$DEPLOY_PATH/shared/.env can be read by other users (mode $(fact env_mode)): chmod 600 it"
fi
locked=$(fact locked)
if [[ -n $locked ]]; then
  fail "another deploy holds $DEPLOY_PATH/.deploy.lock ($locked); if none is running, remove that folder"
fi
current=$(fact current)
previous=$(fact previous)
info "current release: ${current:-none}; previous: ${previous:-none}"

# Switches current to $1 (previous to $2), restarts, and waits until $1 answers /healthz.
switch_to() {
  remote switch "$1" "${2:-}" > /dev/null
}

# Healthy means: /healthz answers 200 AND an app process has run in the new release for two
# seconds — without the second part, the old processes (Passenger notices restart.txt only every
# few seconds) would pass the check for a release that never started; without the two seconds,
# so would a release whose process exits at start-up, caught in its last moment.
wait_healthy() {
  local release=$1 deadline status bad=0 running
  deadline=$(($(date +%s) + DEPLOY_HEALTH_TIMEOUT))
  while :; do
    status=$(http_status)
    if [[ $status == 200 ]]; then
      bad=0
      running=$(remote processes "$release" || echo 0)
      if [[ $running -gt 0 ]]; then
        info "$shown_url answers 200 from $release ($running process(es))"
        return 0
      fi
    elif [[ $status != 0 ]]; then
      # Passenger's "could not be started" page or the app's own 503: three in a row is no blip.
      bad=$((bad + 1))
      if [[ $bad -ge 3 ]]; then
        info "$shown_url answered $status three times in a row"
        return 1
      fi
    fi
    if [[ $(date +%s) -ge $deadline ]]; then
      info "no healthy answer from $release within ${DEPLOY_HEALTH_TIMEOUT}s (last status: $status)"
      return 1
    fi
    sleep 1
  done
}

finish_line() {
  printf '==> %s; total time %s\n' "$1" "$(elapsed)"
}

# --- rollback --------------------------------------------------------------------------------
if [[ $mode == rollback ]]; then
  [[ -n $current ]] || fail "nothing is deployed at $DEPLOY_PATH (no current link)"
  if [[ -z $previous || $previous == "$current" ]]; then
    fail "no previous release to go back to (current is $current)"
  fi
  if [[ $dry_run == yes ]]; then
    step "dry run: would switch current from $current to $previous, restart, and check $shown_url"
    finish_line "dry run done (nothing changed)"
    exit 0
  fi
  remote lock "rollback by $(id -un)@$(hostname) since $(date -u +%FT%TZ)"
  lock_held=yes
  step "switching current from $current to $previous and restarting"
  switch_to "$previous" "$current"
  step "waiting for $shown_url (up to ${DEPLOY_HEALTH_TIMEOUT}s)"
  if ! wait_healthy "$previous"; then
    step "$previous did not come up: switching back to $current"
    switch_to "$current" "$previous"
    wait_healthy "$current" || warn "$current does not answer either: see the server's error log"
    finish_line "rollback FAILED; $current is live again"
    exit 1
  fi
  finish_line "rolled back to $previous"
  exit 0
fi

# --- deploy ----------------------------------------------------------------------------------
release=$(release_name)
upload=$DEPLOY_UPLOAD
if [[ $upload == auto ]]; then
  if [[ $(fact rsync) == yes ]] && command -v rsync > /dev/null; then upload=rsync; else upload=tar; fi
fi
backup_plan="skip (nothing deployed yet)"
if [[ -n $current ]]; then
  if [[ $(fact cli_backup) == yes ]]; then
    backup_plan="node dist/cli.cjs backup --out $DEPLOY_PATH/backups (from $current)"
  else
    backup_plan="skip: the current release's cli has no backup command"
  fi
fi

if [[ $dry_run == yes ]]; then
  step "dry run: nothing will be changed"
  info "would build here (npm run build) and upload app.js, package.json, dist/ with $upload"
  info "into $DEPLOY_PATH/releases/$release, linking .env -> shared/.env"
  info "would start it there on its own ($DEPLOY_NODE app.js, throwaway DATA_DIR) and refuse it unless its /healthz answers 200 within ${DEPLOY_SMOKE_TIMEOUT}s"
  info "would back up: $backup_plan"
  info "would switch current from ${current:-nothing} to $release and touch current/tmp/restart.txt"
  info "would wait up to ${DEPLOY_HEALTH_TIMEOUT}s for $shown_url, rolling back to ${current:-nothing} if it fails"
  pruned=$(remote prune "$DEPLOY_KEEP" dry "$release" | tr '\n' ' ')
  info "would remove old releases: ${pruned:-none} (keeping $DEPLOY_KEEP)"
  finish_line "dry run done (nothing changed)"
  exit 0
fi

step "building (npm run build)"
if ! (cd "$root" && npm run build > "$work/build.log" 2>&1); then
  cat "$work/build.log" >&2
  fail "the build failed; nothing was uploaded"
fi
stage=$work/release
release_kb=$(node "$root/deploy/stage.mjs" "$stage")
info "release $release: $((release_kb / 1024)) MB ($release_kb KiB)"

# Room for the release, a backup as big as DATA_DIR, and a margin the app keeps writing into.
free_kb=$(fact free_kb)
data_kb=$(fact data_kb)
data_kb=${data_kb:-0}
need_kb=$((release_kb + data_kb + DEPLOY_MIN_FREE_MB * 1024))
if [[ $free_kb -lt $need_kb ]]; then
  fail "the server's disk is nearly full: $((free_kb / 1024)) MB free at $DEPLOY_PATH; the deploy needs $((need_kb / 1024)) MB (release $((release_kb / 1024)) MB + a backup of DATA_DIR $((data_kb / 1024)) MB + DEPLOY_MIN_FREE_MB $DEPLOY_MIN_FREE_MB). Nothing was uploaded"
fi

remote lock "deploy of $release by $(id -un)@$(hostname) since $(date -u +%FT%TZ)"
lock_held=yes

step "uploading to $DEPLOY_PATH/releases/$release ($upload)"
link_dest=$(remote prepare "$release")
partial=$DEPLOY_PATH/releases/$release.partial
if [[ $upload == rsync ]]; then
  rsync_opts=(-a --checksum --delete -e "${ssh_cmd[*]}")
  # Unchanged files (the WASM, the fonts) become hard links to the current release's copies.
  if [[ -n $link_dest ]]; then rsync_opts+=("--link-dest=$DEPLOY_PATH/releases/$link_dest"); fi
  rsync "${rsync_opts[@]}" "$stage/" "$login:$partial/"
else
  tar -czf - -C "$stage" . | "${ssh_cmd[@]}" "$login" "tar -xzf - -C $(printf '%q' "$partial")"
fi
remote finish "$release"

# A release that cannot even start is refused here, while the live one still serves every
# request: the check after the switch below only catches what fails under Passenger alone, and
# by then visitors see Passenger's error page until the rollback.
step "starting $release on its own (node app.js, throwaway DATA_DIR, up to ${DEPLOY_SMOKE_TIMEOUT}s)"
if ! smoke_out=$(remote smoke "$release" "$DEPLOY_NODE" "$DEPLOY_SMOKE_TIMEOUT" 2>&1); then
  printf '%s\n' "$smoke_out" | sed 's/^/    /' >&2
  remote discard "$release" || true
  fail "$release does not start (its output is above), so nothing was switched: ${current:-nothing} is still live (the upload was removed)"
fi
info "it listened on 127.0.0.1 port ${smoke_out##*port=} and /healthz answered 200; stopped"

step "backing up the data: $backup_plan"
if [[ $backup_plan == node* ]]; then
  if ! backup_out=$(remote backup "$DEPLOY_NODE" 2>&1); then
    printf '%s\n' "$backup_out" | sed 's/^/    /' >&2
    remote discard "$release" || true
    fail "the backup failed, so nothing was switched: $current is still live (the upload was removed)"
  fi
  printf '%s\n' "$backup_out" | sed 's/^/    /'
elif [[ -n $current ]]; then
  warn "no backup taken: the live release ($current) has no 'backup' command yet"
fi

step "switching current from ${current:-nothing} to $release and restarting"
switch_to "$release" "$current"

step "waiting for $shown_url (up to ${DEPLOY_HEALTH_TIMEOUT}s)"
if ! wait_healthy "$release"; then
  if [[ -z $current ]]; then
    finish_line "deploy FAILED: $release does not answer and there is no earlier release to go back to"
    exit 1
  fi
  step "$release did not come up: rolling back to $current"
  switch_to "$current" "$previous"
  if wait_healthy "$current"; then
    remote discard "$release"
    finish_line "deploy FAILED and rolled back: $current is live again"
  else
    finish_line "deploy FAILED and $current does not answer either: see the server's error log"
  fi
  exit 1
fi

step "removing old releases (keeping $DEPLOY_KEEP)"
pruned=$(remote prune "$DEPLOY_KEEP" | tr '\n' ' ')
info "removed: ${pruned:-none}"
finish_line "deployed $release"
