#!/bin/sh
# Runs a command against a real, private, unlocked GNOME Keyring (Secret Service) so that keychain
# tests exercise keytar for real without touching the user's own keyring:
#   scripts/with-keyring.sh vitest run main/keychain
# A private D-Bus session bus (dbus-run-session), a throwaway HOME and XDG runtime folder hold the
# keyring; the daemon is unlocked with a random password on stdin so it never shows a prompt.
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: '$tool' is not installed (apt-get install -y gnome-keyring dbus dbus-x11)." >&2
    exit 127
  fi
done

scratch="$(mktemp -d "${TMPDIR:-/tmp}/cairn-keyring.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT INT TERM
mkdir -p "$scratch/home" "$scratch/runtime"
chmod 700 "$scratch/runtime"

CAIRN_KEYRING_PASSWORD="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export CAIRN_KEYRING_PASSWORD
export CAIRN_PRIVATE_KEYRING=1
export HOME="$scratch/home"
export XDG_RUNTIME_DIR="$scratch/runtime"
export XDG_DATA_HOME="$scratch/home/.local/share"
export XDG_CONFIG_HOME="$scratch/home/.config"
export XDG_CACHE_HOME="$scratch/home/.cache"
unset DISPLAY WAYLAND_DISPLAY GNOME_KEYRING_CONTROL

status=0
dbus-run-session -- sh -c '
  printf %s "$CAIRN_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  unset CAIRN_KEYRING_PASSWORD
  "$@"
' with-keyring "$@" || status=$?
exit "$status"
