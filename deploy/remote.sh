#!/usr/bin/env bash
# The server's half of deploy/deploy.sh. deploy.sh sends this file over SSH for each step, as
# the argument of `bash -c` (so standard input stays free for the tar upload), and the server
# needs nothing installed beyond bash, coreutils and node: every step runs this checked code.
# BASE is DEPLOY_PATH. Layout under it:
#   releases/<UTC timestamp>/   one folder per release (app.js, package.json, dist/, .env, tmp/)
#   releases/<name>.partial/    a release being uploaded; never run, removed by the next prune
#   current  -> releases/<name> Passenger's app root
#   previous -> releases/<name> what `current` pointed at before the last switch (for --rollback)
#   shared/.env                 the app's settings, linked into every release as .env
#   backups/                    what `node dist/cli.cjs backup` writes before each switch
#   .deploy.lock/               held while a deploy or rollback runs
set -euo pipefail

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

[[ $# -ge 2 ]] || die "usage: remote.sh COMMAND BASE [ARGS...]"
cmd=$1
base=$2
shift 2
[[ $base == /* ]] || die "DEPLOY_PATH must be an absolute path (got '$base')"
releases=$base/releases

# Only names of this shape are releases: anything else in releases/ is left alone.
is_release() { [[ $1 =~ ^[0-9]{8}T[0-9]{6}Z$ ]]; }

# The release a link (current or previous) points at, or nothing.
link_target() {
  local target
  [[ -L $base/$1 ]] || return 0
  target=$(readlink "$base/$1")
  printf '%s\n' "${target##*/}"
}

# A symlink replaced in one rename(2), so Passenger never sees it missing or half-written.
relink() {
  ln -sfn "releases/$2" "$base/.$1.new"
  mv -T "$base/.$1.new" "$base/$1"
}

# DATA_DIR as shared/.env names it (quotes removed), or nothing.
env_data_dir() {
  local line value
  line=$(grep -E '^[[:space:]]*(export[[:space:]]+)?DATA_DIR=' "$base/shared/.env" 2>/dev/null | tail -n 1) || return 0
  value=${line#*=}
  value=${value%$'\r'}
  value=${value#\"}
  value=${value%\"}
  value=${value#\'}
  value=${value%\'}
  printf '%s\n' "$value"
}

# Facts for deploy.sh to check, one key=value a line. Reads only; creates nothing.
inspect() {
  local node=$1 existing=$base version data_dir help
  if version=$("$node" --version 2>/dev/null); then echo "node_version=$version"; else echo "node_version="; fi
  if command -v rsync > /dev/null; then echo "rsync=yes"; else echo "rsync=no"; fi
  while [[ ! -d $existing ]]; do existing=$(dirname "$existing"); done
  echo "free_kb=$(df -Pk "$existing" | awk 'NR == 2 { print $4 }')"
  if [[ -e $base/current && ! -L $base/current ]]; then echo "current_not_link=yes"; fi
  if [[ -f $base/shared/.env ]]; then
    echo "env=yes"
    echo "env_mode=$(stat -c %a "$base/shared/.env")"
    data_dir=$(env_data_dir)
    echo "data_dir=$data_dir"
    if [[ $data_dir == /* && -d $data_dir ]]; then
      echo "data_kb=$(du -skL "$data_dir" 2> /dev/null | awk '{ print $1 }')"
    fi
  else
    echo "env=no"
  fi
  echo "current=$(link_target current)"
  echo "previous=$(link_target previous)"
  if [[ -f $base/current/app.js ]]; then
    help=$(cd "$base/current" && { "$node" dist/cli.cjs help 2>&1 || true; })
    if [[ $help == *backup* ]]; then echo "cli_backup=yes"; else echo "cli_backup=no"; fi
  fi
  if [[ -d $base/.deploy.lock ]]; then echo "locked=$(cat "$base/.deploy.lock/owner" 2> /dev/null || echo unknown)"; fi
}

# Takes the deploy lock (a folder: mkdir is atomic), so two maintainers never deploy at once.
lock() {
  mkdir -p "$base"
  if ! mkdir "$base/.deploy.lock" 2> /dev/null; then
    die "another deploy holds $base/.deploy.lock ($(cat "$base/.deploy.lock/owner" 2> /dev/null || echo 'owner unknown')); if none is running, remove that folder"
  fi
  printf '%s\n' "$1" > "$base/.deploy.lock/owner"
}

unlock() {
  rm -rf "$base/.deploy.lock"
}

# The folders a deploy needs; the upload goes to releases/NAME.partial (emptied first).
prepare() {
  local name=$1
  is_release "$name" || die "bad release name '$name'"
  [[ ! -e $releases/$name ]] || die "release $name already exists"
  mkdir -p "$releases" "$base/backups"
  rm -rf "$releases/$name.partial"
  mkdir "$releases/$name.partial"
  # rsync's --link-dest: files unchanged since the current release become hard links.
  local current
  current=$(link_target current)
  if [[ -n $current && -d $releases/$current ]]; then echo "$current"; fi
}

receive_tar() {
  tar -xzf - -C "$releases/$1.partial"
}

# Links shared/.env in, adds tmp/ (restart.txt), and makes the release whole with one rename.
finish() {
  local name=$1 dir=$releases/$1.partial
  [[ -f $dir/app.js && -f $dir/dist/server.cjs ]] || die "the upload is incomplete: $dir lacks app.js or dist/server.cjs"
  ln -sfn ../../shared/.env "$dir/.env"
  mkdir -p "$dir/tmp"
  mv -T "$dir" "$releases/$name"
}

# Starts release NAME as `node app.js` outside Passenger, before any visitor can reach it: with
# the shared .env (through the release's .env link, as the app reads it) but PORT=0 (the kernel
# picks a free port), a throwaway DATA_DIR and rate-limit folder (variables set here win over
# .env, so production data is never opened), then asks its /healthz on 127.0.0.1 and stops it.
# Prints what it saw; on failure exits 1 with the app's last lines (the app never logs .env
# values; this file is never shown). `timeout` bounds the app's life even if this shell dies, and
# turns our SIGTERM into SIGKILL after a grace; the app must be gone before the switch, as
# `processes` counts anything running in the release folder.
smoke_pid=
smoke_scratch=
smoke_stop() {
  if [[ -n $smoke_pid ]]; then
    kill -TERM "$smoke_pid" 2> /dev/null || true
    wait "$smoke_pid" 2> /dev/null || true
    smoke_pid=
  fi
  if [[ -n $smoke_scratch ]]; then rm -rf "$smoke_scratch"; fi
}
smoke() {
  local name=$1 node=$2 limit=$3 dir=$releases/$1 log line port='' base='' answer='' reason='' code=0 bad=0 deadline
  if ! is_release "$name" || [[ ! -d $dir ]]; then die "no release $name in $releases"; fi
  trap smoke_stop EXIT
  trap 'exit 129' HUP INT TERM
  smoke_scratch=$(mktemp -d "${TMPDIR:-/tmp}/dashboard-smoke.XXXXXX")
  log=$smoke_scratch/output.log
  mkdir "$smoke_scratch/data"
  : > "$log" # before the app starts: the loop below reads it at once
  (
    cd "$dir"
    # ADMIN_* emptied: the throwaway instance listens on every interface for a second or two,
    # and must not hold an account with the real first-admin password meanwhile.
    PORT=0 DATA_DIR=$smoke_scratch/data RATE_LIMIT_STORAGE=file://$smoke_scratch/data/ratelimit ADMIN_USERNAME='' ADMIN_PASSWORD='' \
      exec timeout -k 5 $((limit + 10)) "$node" app.js
  ) < /dev/null > "$log" 2>&1 &
  smoke_pid=$!
  # The app says ` listening port=N ... base=/PATH` once it listens; /healthz lives under base.
  deadline=$((SECONDS + limit))
  while :; do
    if [[ -z $port ]]; then
      line=$(grep -m 1 -E ' listening port=[0-9]+ ' "$log" || true)
      if [[ -n $line ]]; then
        port=$(sed -E 's/.* listening port=([0-9]+) .*/\1/' <<< "$line")
        base=$(sed -nE 's/.* base=([^ ]*).*/\1/p' <<< "$line")
        base=${base%/}
      fi
    fi
    if [[ -n $port ]]; then
      answer=$("$node" -e '
        fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then(
          async (r) => console.log(r.status, (await r.text()).replace(/\s+/g, " ").slice(0, 300)),
          () => console.log(0));' "http://127.0.0.1:$port$base/healthz")
      if [[ $answer == "200 "* ]]; then break; fi
      bad=$((bad + 1))
    fi
    if ! kill -0 "$smoke_pid" 2> /dev/null; then
      wait "$smoke_pid" || code=$?
      smoke_pid=
      reason="it exited with status $code before answering /healthz"
      break
    fi
    if [[ $bad -ge 3 && $answer == 0 ]]; then
      reason="it listens on port $port but its /healthz did not answer three times in a row"
      break
    elif [[ $bad -ge 3 ]]; then
      reason="its /healthz answered ${answer%% *} three times in a row: ${answer#* }"
      break
    fi
    if [[ $SECONDS -ge $deadline ]]; then
      if [[ -z $port ]]; then reason="it did not listen within ${limit}s"; else reason="its /healthz did not answer 200 within ${limit}s"; fi
      break
    fi
    sleep 0.1
  done
  if [[ -n $reason ]]; then
    printf 'the release does not start on its own: %s\n--- its last 20 lines of output ---\n' "$reason" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  smoke_stop
  echo "port=$port"
}

# Runs the CURRENT release's backup before the switch, into backups/.
backup() {
  local node=$1
  cd "$base/current"
  "$node" dist/cli.cjs backup --out "$base/backups"
}

# current -> NEW (and previous -> PREV when given), then the restart that Passenger picks up.
switch() {
  local new=$1 prev=${2:-}
  if ! is_release "$new" || [[ ! -d $releases/$new ]]; then die "no release $new in $releases"; fi
  if [[ -n $prev ]]; then relink previous "$prev"; fi
  relink current "$new"
  mkdir -p "$releases/$new/tmp"
  touch "$releases/$new/tmp/restart.txt"
}

# How many of our processes have run in release NAME for at least MIN_AGE seconds (default 2;
# Passenger starts each app in its app root, which resolves the `current` link): proof that the
# restart reached the new release. The age matters: a release that exits at start-up still has a
# process there for a moment, while the old processes go on answering /healthz with 200.
processes() {
  local dir count=0 pid_dir cwd stat fields ticks now min_age=${2:-2}
  dir=$(cd "$releases/$1" && pwd -P)
  ticks=$(getconf CLK_TCK 2> /dev/null || echo 100)
  read -r now _ < /proc/uptime
  now=${now%.*}
  for pid_dir in /proc/[0-9]*; do
    cwd=$(readlink "$pid_dir/cwd" 2> /dev/null) || continue
    [[ $cwd == "$dir" ]] || continue
    stat=$(cat "$pid_dir/stat" 2> /dev/null) || continue
    # After the command name (which may hold spaces and parentheses) come fields 3 onwards:
    # field 22, the start time in clock ticks since boot, is the 20th.
    read -ra fields <<< "${stat##*) }"
    [[ ${fields[19]:-} =~ ^[0-9]+$ ]] || continue
    if ((now - fields[19] / ticks >= min_age)); then count=$((count + 1)); fi
  done
  echo "$count"
}

# Names of the releases a prune removes: all but the newest KEEP, never current or previous.
# With DRY=dry only prints them; EXTRA counts as a release (the one a dry run would add).
prune() {
  local keep=$1 dry=${2:-} extra=${3:-} current previous names=() name i
  current=$(link_target current)
  previous=$(link_target previous)
  if [[ -d $releases ]]; then
    for name in "$releases"/*; do
      name=${name##*/}
      if is_release "$name"; then names+=("$name"); fi
      if [[ $name == *.partial && -z $dry ]]; then rm -rf "${releases:?}/$name"; fi
    done
  fi
  if [[ -n $extra ]]; then names+=("$extra"); fi
  [[ ${#names[@]} -gt 0 ]] || return 0
  mapfile -t names < <(printf '%s\n' "${names[@]}" | sort -r)
  for ((i = keep; i < ${#names[@]}; i++)); do
    name=${names[i]}
    [[ $name == "$current" || $name == "$previous" || $name == "$extra" ]] && continue
    echo "$name"
    if [[ -z $dry ]]; then rm -rf "${releases:?}/$name"; fi
  done
}

# A release that failed to come up and is no longer current.
discard() {
  [[ $1 != "$(link_target current)" ]] || die "refusing to remove the current release $1"
  is_release "$1" || die "bad release name '$1'"
  rm -rf "${releases:?}/$1" "${releases:?}/$1.partial"
}

case $cmd in
  inspect | lock | unlock | prepare | receive_tar | finish | smoke | backup | switch | processes | prune | discard) "$cmd" "$@" ;;
  *) die "unknown command '$cmd'" ;;
esac
