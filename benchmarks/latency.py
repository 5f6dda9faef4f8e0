"""Latency from a post appearing on a site to its alert reaching a webhook, under `unionwatch serve`.

`python -m benchmarks.latency [--samples 3]` serves a sample Blogger blog and a webhook receiver on
127.0.0.1, runs `unionwatch serve` with a one-minute schedule and a webhook subscription, then publishes
new posts that mention shared services and times each until its alert is received. Expect up to one
schedule interval of waiting plus one run; it prints every sample and the median.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from copy import deepcopy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from demo.content import ACTIVE_BLOG_POSTS
from demo.server import SiteServer
from demo.sites.blogger import BloggerSite

WAIT_FOR_ALERT = 300.0  # seconds: a broken setup shows up as a timeout, not a hang
CONFIG = """[[sources]]
id = "blog"
kind = "blogger"
url = "{url}"
delay = 0
schedule = "* * * * *"

[[subscriptions]]
id = "chat"
channel = "webhook"
url_env = "HOOK_URL"
"""


class Receiver(ThreadingHTTPServer):
    """Records when each webhook POST arrives and what it says."""

    def __init__(self) -> None:
        self.received: list[tuple[float, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((time.time(), body.decode("utf-8", "replace")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Stay quiet."""

        super().__init__(("127.0.0.1", 0), Handler)


def wait_for(predicate, timeout: float) -> bool:
    """Poll `predicate` every 0.2 s until it holds or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def main(argv: list[str] | None = None) -> int:
    """Measure and print the latency samples."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency", description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3)
    args = parser.parse_args(argv)
    blog = BloggerSite("Latency blog", deepcopy(ACTIVE_BLOG_POSTS))
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with SiteServer(blog) as site, tempfile.TemporaryDirectory(prefix="unionwatch-latency-") as tmp:
        Path(tmp, "sources.toml").write_text(CONFIG.format(url=site.url), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env["HOOK_URL"] = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        serve = subprocess.Popen([sys.executable, "-m", "flows.cli", "-q", "serve", "--port", "0"], cwd=tmp,
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            snapshot = Path(tmp, "data", "unionwatch.snapshot.duckdb")
            if not wait_for(snapshot.exists, WAIT_FOR_ALERT):
                print("serve never completed a first run", file=sys.stderr)
                return 1
            samples = [measure(blog, receiver, number) for number in range(args.samples)]
        finally:
            serve.terminate()
            serve.wait(60)
    receiver.shutdown()
    good = [sample for sample in samples if sample is not None]
    for number, sample in enumerate(samples, start=1):
        print(f"sample {number}: " + (f"{sample:.1f} s" if sample is not None else "no alert within the limit"))
    if good:
        print(f"median {statistics.median(good):.1f} s, max {max(good):.1f} s over {len(good)} samples "
              "(1-minute schedule)")
    return 0 if len(good) == len(samples) else 1


def measure(blog: BloggerSite, receiver: Receiver, number: int) -> float | None:
    """Publish one flagged post now; seconds until its alert arrives."""
    post = deepcopy(blog.posts[0])
    post.post_id = f"90000000000000000{number}"
    post.slug = f"latency-{number}"
    post.title = f"Latency probe {number}: council shared services plan"
    post.published = dt.datetime.now(dt.UTC)
    post.updated = post.published
    started = time.time()
    blog.posts.append(post)
    arrived = wait_for(lambda: any(post.title in body for _, body in receiver.received), WAIT_FOR_ALERT)
    if not arrived:
        return None
    return next(at for at, body in receiver.received if post.title in body) - started


if __name__ == "__main__":
    sys.exit(main())
