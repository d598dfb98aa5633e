"""Load test: N concurrent clients against the running app's HTTP API for a fixed time, localhost only.

    python benchmarks/load_test.py --start --clients 16 --seconds 60            # starts app.py on the sample
    python benchmarks/load_test.py --url http://127.0.0.1:7860 --user u --password p

Each client loops over ask (50%), search (30%) and verify (20%) with questions from the seed dev set (or a built-in
list); one extra client uploads a document every few seconds while the others ask (indexing under load). Reports
requests, throughput, p50/p95 per operation and every error; exits 1 if there were errors.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "seed" / "dev_qa.jsonl"
FALLBACK = ["2023年行政机关负责人出庭应诉率是多少？", "法治文化主题公园设置了哪些区域？", "示范区2023年有多少件行政应诉案件？",
            "How many administrative reconsideration cases did the committee respond to?", "示范区的GDP是多少？"]
CLAIMS = ["2023年，示范区行政机关负责人出庭应诉率为95%。", "2023年共开展普法主题宣传活动62场次。"]


def questions() -> list[str]:
    if DEV.is_file():
        return [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return FALLBACK


def percentile(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.errors: list[str] = []

    def add(self, op: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.times.setdefault(op, []).append(seconds)
            if error:
                self.errors.append(f"{op}: {error}")


def client(url: str, auth, deadline: float, rec: Recorder, seed: int) -> None:
    rnd = random.Random(seed)
    qs = questions()
    session = requests.Session()
    session.auth = auth
    while time.monotonic() < deadline:
        r = rnd.random()
        if r < 0.5:
            op, path, body = "ask", "/api/ask", {"id": seed, "question": rnd.choice(qs)}
        elif r < 0.8:
            op, path, body = "search", "/api/search", {"query": rnd.choice(qs), "k": 10}
        else:
            op, path, body = "verify", "/api/verify", {"claim": rnd.choice(CLAIMS)}
        started = time.perf_counter()
        try:
            resp = session.post(url + path, json=body, timeout=120)
            error = None if resp.status_code == 200 else f"HTTP {resp.status_code}: {resp.text[:200]}"
            if op == "ask" and not error and resp.json().get("id") != seed:
                error = "answer for another client"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        rec.add(op, time.perf_counter() - started, error)


def uploader(url: str, auth, deadline: float, rec: Recorder, every: float) -> None:
    n = 0
    while time.monotonic() < deadline:
        n += 1
        text = (f"关于第{n}批行政执法案卷评查情况的通报\n\n本批次共评查执法案卷{100 + n}卷，优秀率为{60 + n % 30}%。\n"
                "各单位要对照问题清单逐项整改，按期报送整改情况。\n") * 3
        started = time.perf_counter()
        try:
            resp = requests.post(url + "/api/index", files=[("files", (f"load-{n}.txt", text.encode("utf-8")))],
                                 auth=auth, timeout=300)
            error = None if resp.status_code == 200 and resp.json().get("ok") else f"HTTP {resp.status_code}: {resp.text[:200]}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        rec.add("index", time.perf_counter() - started, error)
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(store: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_USERNAME": "", "ASSISTANT_PASSWORD": ""}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--store", store, "--port", str(port)], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("app.py exited before it served")
        try:
            if requests.get(url + "/api/health", timeout=2).ok:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(1)
    proc.kill()
    raise SystemExit("app.py did not start in 10 minutes")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", help="a running app, e.g. http://127.0.0.1:7860 (localhost only)")
    p.add_argument("--start", action="store_true", help="start app.py on the sample report in a temporary index")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--upload-every", type=float, default=10, help="seconds between uploads (0: no uploads)")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--json", help="write the results here")
    args = p.parse_args(argv)
    if bool(args.url) == bool(args.start):
        p.error("give --url or --start")
    proc = None
    if args.start:
        proc, url = start_app(tempfile.mkdtemp(prefix="load-index-"))
    else:
        url = args.url.rstrip("/")
        if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            p.error("the load test only runs against localhost")
    auth = (args.user, args.password.encode("utf-8")) if args.user and args.password else None
    rec = Recorder()
    try:
        requests.post(url + "/api/ask", json={"question": FALLBACK[0]}, auth=auth, timeout=300)  # warm
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [threading.Thread(target=client, args=(url, auth, deadline, rec, i)) for i in range(args.clients)]
        if args.upload_every > 0:
            threads.append(threading.Thread(target=uploader, args=(url, auth, deadline, rec, args.upload_every)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        if proc:
            proc.terminate()
            proc.wait(30)
    total = sum(len(v) for k, v in rec.times.items() if k != "index")
    result = {
        "clients": args.clients, "seconds": round(elapsed, 1), "requests": total,
        "throughput_rps": round(total / elapsed, 2), "errors": len(rec.errors), "error_samples": rec.errors[:10],
        "ops": {op: {"n": len(v), "p50_ms": round(1000 * statistics.median(v)), "p95_ms": round(1000 * percentile(v, 95))}
                for op, v in sorted(rec.times.items())},
    }
    all_queries = [x for k, v in rec.times.items() if k != "index" for x in v]
    result["all_queries"] = {"p50_ms": round(1000 * statistics.median(all_queries)) if all_queries else None,
                             "p95_ms": round(1000 * percentile(all_queries, 95)) if all_queries else None}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if rec.errors else 0


if __name__ == "__main__":
    sys.exit(main())
