#!/usr/bin/env bash
# Debian packages the platform needs at test time (Debian 12 host).
# Idempotent: installs only what is missing, runs `apt-get update` only then, never asks.
#   scripts/install-system-deps.sh            required packages
#   scripts/install-system-deps.sh --all      plus optional tools (tshark)
# Asterisk itself is not here: Debian 12 has no package; pbx.rootfs builds a Debian
# unstable root with debootstrap on first use (about one minute, cached outside the tree).
set -euo pipefail

REQUIRED=(
  debootstrap debian-archive-keyring  # the Asterisk 22 root (pbx/rootfs.py)
  sip-tester                          # sipp: carrier, phones, emergency centre in tests
  espeak-ng sox                       # Mandarin prompts and test audio
  chromium chromium-driver            # browser softphone / desktop tests (headless)
  fonts-wqy-microhei                  # Chinese text in browser screenshots
  ca-certificates
  kannel kannel-extras                # SMS survey: bearerbox + smsbox, and the fake SMSC the tests run
  dovecot-imapd                       # the mailbox (信箱) tests: a throw-away IMAP server (tests/mailbox_channel)
  rabbitmq-server                     # the open API's AMQP relay tests; a throw-away node (scripts/with-services.sh)
)
OPTIONAL=(
  tshark                              # SIP/RTP captures when debugging
)

packages=("${REQUIRED[@]}")
if [[ "${1:-}" == "--all" ]]; then
  packages+=("${OPTIONAL[@]}")
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "system packages: all present"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q -o Dpkg::Options::=--force-confdef \
  -o Dpkg::Options::=--force-confold "${missing[@]}"
