#!/bin/sh
# Start Asterisk in the foreground with the rendered configuration. It already runs as the
# image's unprivileged user (Dockerfile USER asterisk), so no -U/-G privilege drop.
set -eu
conf="/etc/hotline12345/${INSTANCE}/asterisk.conf"
[ -f "$conf" ] || { echo "no rendered configuration at $conf (run: hotline asterisk render)" >&2; exit 1; }
for dir in /var/run/asterisk/${INSTANCE} /var/spool/asterisk/${INSTANCE}/recording \
           /var/log/asterisk/${INSTANCE} /var/lib/hotline12345/${INSTANCE}/prompts; do
  mkdir -p "$dir"
done
exec asterisk -f -C "$conf"
