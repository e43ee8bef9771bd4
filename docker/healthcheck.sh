#!/usr/bin/env bash
# Container health check without curl: GET the readiness endpoint through bash's /dev/tcp and
# succeed only on HTTP 200. Port and path are overridable for hosts that change them.
port=${SERVER_PORT:-8080}
path=${TAILOR_HEALTH_PATH:-/v2/health/ready}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
read -r -t 5 status_line <&3 || exit 1
[[ $status_line == "HTTP/1.1 200"* ]]
