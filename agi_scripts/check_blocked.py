#!/usr/bin/env python3
"""AGI relay run by the dialplan inside the Asterisk root (standard library only):

    AGI(/usr/bin/timeout,-k,1,5,${HOTLINE_AGI}/check_blocked.py,${HOTLINE_FASTAGI})

It hands the AGI conversation to the workers' FastAGI server (argv[1] = host:port, where
the block list and the routing hint live: agi_scripts/blocklist_check.py) and relays the
commands back to Asterisk. Every failure - no worker listening, a slow or hung one, a
crash - ends the script quietly; `timeout` caps the whole step at 5 s. Either way the
dialplan goes on into the normal flow: a caller is never left in silence (R-26).
"""
import socket
import sys

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 3.0  # per line; `timeout` in the dialplan caps the whole step at 5 s


def read_environment(stream):
    lines = []
    for line in iter(stream.readline, ""):
        if not line.strip():
            break
        lines.append(line if line.endswith("\n") else line + "\n")
    return lines


def relay(address, stdin, stdout):
    host, _, port = address.rpartition(":")
    env = read_environment(stdin)
    with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT) as conn:
        conn.settimeout(READ_TIMEOUT)
        conn.sendall("".join(env + ["agi_network_script: check_blocked\n", "\n"]).encode())
        worker = conn.makefile("r", encoding="utf-8", newline="\n")
        for command in iter(worker.readline, ""):
            stdout.write(command)
            stdout.flush()
            answer = stdin.readline()
            if not answer:
                return
            conn.sendall(answer.encode())


def main():
    if len(sys.argv) < 2:
        return 0
    try:
        relay(sys.argv[1], sys.stdin, sys.stdout)
    except Exception as exc:  # noqa: BLE001 - any failure: the dialplan goes on
        sys.stderr.write(f"check_blocked: {exc!r}; call goes on\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
