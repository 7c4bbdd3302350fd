#!/usr/bin/env bash
# Runs a command and samples its anonymous resident memory (RssAnon in /proc/PID/status) every 20 ms; prints the
# peak in MB on standard error and exits with the command's status. Mapped model files are not anonymous memory:
# this is what a slimming run itself holds.
"$@" &
pid=$!
peak=0
while kill -0 "$pid" 2>/dev/null; do
    value=$(awk '/^RssAnon/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    [ -n "$value" ] && [ "$value" -gt "$peak" ] && peak=$value
    sleep 0.02
done
wait "$pid"
status=$?
echo "peak RssAnon $((peak / 1024)) MB" >&2
exit "$status"
