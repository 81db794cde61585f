#!/usr/bin/env python3
"""Host-side client of the e2e demo app (python3 stdlib only).

  client.py write URL N PREFIX     POST N items (name PREFIX-i, email PREFIX-i@example.com)
  client.py get URL PATH           print the JSON answer of GET PATH (exit 1 unless 200)
  client.py poll URL LOG STOPFILE  GET /health every 100 ms until STOPFILE exists; log every answer's version
                                   changes and every failure to LOG; print a summary line and exit 1 if any
                                   request stayed unanswered

A request counts as unanswered when it fails and an immediate retry fails too. The retry stands in for the
retry of the reverse proxy that docker-rollout is deployed behind: when an old container stops, connections the
kernel had already queued on its listening socket (SO_REUSEPORT) are reset, and a proxy retries those.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request


def request(url, data=None, timeout=5):
    req = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b"null")


def write(url, n, prefix):
    for i in range(int(n)):
        status, _ = request(url + "/items", {"name": f"{prefix}-{i}", "email": f"{prefix}-{i}@example.com"})
        if status != 201:
            sys.exit(f"client: POST /items answered {status}")
    print(f"client: wrote {n} items ({prefix}-*)")


def get(url, path):
    try:
        status, body = request(url + path)
    except urllib.error.HTTPError as e:
        sys.exit(f"client: GET {path} answered {e.code}: {e.read().decode(errors='replace')}")
    print(json.dumps(body, sort_keys=True))


def poll(url, log_path, stop_file):
    total = raw_failures = unanswered = 0
    last_version = None
    started = time.monotonic()
    with open(log_path, "a", buffering=1) as log:
        while not os.path.exists(stop_file):
            total += 1
            error = None
            for attempt in (1, 2):
                try:
                    status, body = request(url + "/health", timeout=2)
                    if body.get("version") != last_version:
                        log.write(f"{time.monotonic() - started:7.2f}s answered by {body.get('version')}\n")
                        last_version = body.get("version")
                    error = None
                    break
                except (OSError, ValueError) as e:  # URLError, HTTPError (503), reset, timeout, bad JSON
                    error = e
                    raw_failures += 1
                    log.write(f"{time.monotonic() - started:7.2f}s attempt {attempt} failed: {e}\n")
            if error is not None:
                unanswered += 1
            time.sleep(0.1)
        summary = (f"poller: {total} requests over {time.monotonic() - started:.0f}s, {unanswered} unanswered,"
                   f" {raw_failures} failed attempts (retried)")
        log.write(summary + "\n")
    print(summary)
    sys.exit(1 if unanswered else 0)


if __name__ == "__main__":
    cmds = {"write": write, "get": get, "poll": poll}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit("usage: client.py write URL N PREFIX | get URL PATH | poll URL LOG STOPFILE")
    cmds[sys.argv[1]](*sys.argv[2:])
