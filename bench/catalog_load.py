#!/usr/bin/env python3
"""Load a catalogue made by bench/catalog_gen.py into kho (or CKAN) through the Action API.

    bench/catalog_load.py --url http://127.0.0.1:5000 --token TOKEN [--concurrency 8] [FILE]

Reads JSON Lines from FILE (default: stdin) and POSTs each organization to
organization_create, then each dataset to package_create, with --concurrency requests
in flight. The token may also come from KHO_TOKEN. Prints a progress line to stderr and,
at the end, one JSON summary line to stdout (counts, seconds, datasets per second).

Stops at the first answer that is not a success envelope, printing it, and exits 1.
A connection error is retried (a new connection, a short back-off); if the lost request
had in fact been carried out, its retry finds the name taken, which counts as done.

Python 3 standard library only. http.client rather than urllib.request: one keep-alive
connection per thread instead of a new TCP connection for every request.
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

RETRIES = 8


class Failure(Exception):
    pass


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        self.https = u.scheme == "https"
        self.host, self.port = u.hostname, u.port or (443 if self.https else 80)
        self.prefix = u.path.rstrip("/") + "/api/3/action/"
        self.headers = {"Authorization": token, "Content-Type": "application/json"}
        self.local = threading.local()

    def conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            c = self.local.conn = cls(self.host, self.port, timeout=120)
        return c

    def post(self, action, body):
        data = json.dumps(body, ensure_ascii=False).encode()
        retried = False
        for attempt in range(RETRIES + 1):
            try:
                c = self.conn()
                c.request("POST", self.prefix + action, data, self.headers)
                r = c.getresponse()
                raw = r.read()
                break
            except (OSError, http.client.HTTPException) as e:
                self.local.conn = None
                if attempt == RETRIES:
                    raise Failure(f"{action} {body.get('name')}: connection failed {RETRIES + 1} times: {e!r}")
                retried = True
                time.sleep(min(0.1 * 2 ** attempt, 5))
        try:
            env = json.loads(raw)
        except ValueError:
            raise Failure(f"{action} {body.get('name')}: HTTP {r.status}, not JSON: {raw[:500]!r}")
        if env.get("success") is True:
            return env["result"]
        err = env.get("error") or {}
        # A retried create whose first attempt got through: the name is now taken.
        if retried and "already" in json.dumps(err.get("name", "")):
            return None
        raise Failure(f"{action} {body.get('name')}: HTTP {r.status}: {json.dumps(err, ensure_ascii=False)}")


class Progress:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {"organization": 0, "dataset": 0}
        self.start = time.monotonic()
        self.ds_start = None
        self.tty = sys.stderr.isatty()
        self.last_print = 0.0

    def done(self, kind):
        with self.lock:
            self.counts[kind] += 1

    def show(self, final=False):
        now = time.monotonic()
        if not final and now - self.last_print < (1 if self.tty else 10):
            return
        self.last_print = now
        ds = self.counts["dataset"]
        elapsed = now - (self.ds_start or now)
        rate = ds / elapsed if elapsed > 0 else 0.0
        line = (f"organizations {self.counts['organization']}  datasets {ds}  "
                f"{rate:.0f} datasets/s  {now - self.start:.0f} s")
        end = "\n" if final or not self.tty else ""
        print(("\r" if self.tty else "") + line, end=end, file=sys.stderr, flush=True)


def records(stream):
    for n, line in enumerate(stream, 1):
        line = line.strip()
        if not line:
            continue
        rec = json.loads(line)
        kind = rec.pop("kind", None)
        if kind not in ("organization", "dataset"):
            raise Failure(f"line {n}: kind is {kind!r}, not organization or dataset")
        yield kind, rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", help="JSON Lines from catalog_gen.py (default: stdin)")
    ap.add_argument("--url", default="http://127.0.0.1:5000", help="the site, without /api")
    ap.add_argument("--token", default=os.environ.get("KHO_TOKEN"), help="API token (or KHO_TOKEN)")
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    if not args.token:
        ap.error("an API token is needed: --token or KHO_TOKEN")
    client = Client(args.url, args.token)
    progress = Progress()
    stream = open(args.file, encoding="utf-8") if args.file else sys.stdin

    def create(kind, rec):
        client.post(f"{kind}_create" if kind == "organization" else "package_create", rec)
        progress.done(kind)

    pending = set()

    def settle(block_until_empty=False):
        # Raise the first failure; keep at most a few requests queued per thread so that
        # memory does not grow with the file.
        nonlocal pending
        while pending and (block_until_empty or len(pending) >= 4 * args.concurrency):
            done, pending = wait(pending, timeout=1, return_when=FIRST_COMPLETED)
            for f in done:
                f.result()
            progress.show()

    pool = ThreadPoolExecutor(args.concurrency)
    try:
        for kind, rec in records(stream):
            if kind == "dataset" and progress.ds_start is None:
                settle(block_until_empty=True)  # every organization exists before datasets
                progress.ds_start = time.monotonic()
            pending.add(pool.submit(create, kind, rec))
            settle()
        settle(block_until_empty=True)
    except Failure as e:
        progress.show(final=True)
        print(f"error: {e}", file=sys.stderr)
        pool.shutdown(wait=False, cancel_futures=True)
        os._exit(1)  # do not wait for the requests still in flight
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        os._exit(130)
    pool.shutdown()
    progress.show(final=True)
    seconds = time.monotonic() - (progress.ds_start or time.monotonic())
    ds = progress.counts["dataset"]
    print(json.dumps({
        "organizations": progress.counts["organization"],
        "datasets": ds,
        "concurrency": args.concurrency,
        "dataset_seconds": round(seconds, 2),
        "datasets_per_second": round(ds / seconds, 1) if seconds > 0 else None,
    }))


if __name__ == "__main__":
    main()
