#!/bin/sh
# Start Asterisk in the foreground with the rendered configuration (no -U/-G: see
# docs/telephony-notes; the container is its own sandbox).
set -eu
conf="/etc/hotline12345/${INSTANCE}/asterisk.conf"
[ -f "$conf" ] || { echo "no rendered configuration at $conf (run: hotline asterisk render)" >&2; exit 1; }
for dir in /var/run/asterisk/${INSTANCE} /var/spool/asterisk/${INSTANCE}/recording \
           /var/log/asterisk/${INSTANCE} /var/lib/hotline12345/${INSTANCE}/prompts; do
  mkdir -p "$dir"
done
exec asterisk -f -C "$conf"
