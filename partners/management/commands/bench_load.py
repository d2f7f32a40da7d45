"""Load benchmark through a real server: `make bench` (PostgreSQL; docs/performance.md).

Starts gunicorn on loopback (sync workers, DEBUG off, production-like settings in the
child's environment only) against this command's database, then sends each request type
of issue 12 (browse, keywords, postcode and radius, filters, combined, nearest first, the
map's GeoJSON for an area and for the whole region, a map point's popup, a service page, the API's list and
its keyword search) as a fixed, seeded list of distinct URLs from several client threads,
plus a cheap view (/healthz) in the same run. Prints p50/p95/p99, throughput, response
sizes and SQL queries per request (counted in this process with the test client, since
the server's workers cannot report them) and writes the lot as JSON.

It reads the data it finds (`manage.py seed_synthetic` makes some) and changes nothing
but what a visitor's search changes (the unmet-need counts). Any answer other than 200
fails the run, naming the URL.
"""

import http.client
import json
import os
import platform
import queue
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from api.filters import DEFAULT_PER_PAGE
from partners.models import Postcode, Service, ServiceLocation
from partners.search import PAGE_SIZE

# What a person's browser sends: searches by people count towards the unmet-need figures
# (feedback.needs), so the benchmark pays that write too.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) load-benchmark"
WORDS = [
    "counselling",
    "bereavement",
    "bereavment",
    "low mood",
    "lonely",
    "anxious",
    "women",
    "family",
    "housing",
    "faith",
    "drink",
    "gambling",
    "peer support",
    "arts",
    "walking",
    "refugee",
    "exercise",
    "advocacy",
    "depression",
    "youth",
    "carers",
    "interpreters",
    "immigration",
    "helpline",
]
LANGUAGES = ["ur", "pa", "bn", "pl", "ar", "so", "phr"]
SUPPORTS = ["counselling", "peer-support", "befriending", "advocacy", "bereavement", "wellbeing-activities"]
COMMUNITIES = ["pakistani-kashmiri", "bangladeshi", "black-african", "indian", "arab-middle-eastern"]
# Request types, in the order of issue 12's table.
TYPES = [
    "browse everything",
    "keywords",
    "postcode + radius",
    "filters",
    "combined",
    "sort by distance",
    "map GeoJSON, a map area",
    "map GeoJSON, whole region",
    "map point's popup",
    "service page",
    "/api/services?page=N",
    "/api/services?search=word",
]
APPLICATION_NAME = "directory-bench-load"
CHEAP = "cheap view (/healthz)"
API_ROOT = "cheap view (/api/ root)"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def url(path: str, **params) -> str:
    return f"{path}?{urlencode(params, doseq=True)}" if params else path


class Command(BaseCommand):
    help = (
        "Load benchmark through gunicorn (2 sync workers, DEBUG off): every request type of issue 12 "
        "from concurrent clients, plus /healthz; prints p50/p95/p99, throughput, sizes, queries; writes JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=100, help="Timed requests per request type")
        parser.add_argument("--cheap-requests", type=int, default=1000, help="Timed requests to each cheap view")
        parser.add_argument("--warmup", type=int, default=4, help="Untimed requests per type first")
        parser.add_argument("--clients", type=int, default=4, help="Concurrent client threads")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
        parser.add_argument("--seed", type=int, default=12)
        parser.add_argument("--json", type=Path, default=Path("bench-results.json"), help="Where to write results")
        parser.add_argument("--only", nargs="*", default=None, help="Run only these request types (by name)")
        parser.add_argument("--timeout", type=int, default=120, help="Seconds one request may take")
        parser.add_argument(
            "--explain", type=Path, default=None, help="Write EXPLAIN (ANALYZE, BUFFERS) of the slowest statements here"
        )

    def handle(self, *args, **options):
        for name in ("requests", "cheap_requests", "clients", "workers", "timeout"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be 1 or more.")
        if options["warmup"] < 0:
            raise CommandError("--warmup must be 0 or more.")
        if connection.vendor != "postgresql":
            self.stderr.write(self.style.WARNING("Meant for PostgreSQL: numbers on another database differ."))
        postcodes = list(Postcode.objects.values_list("postcode", "latitude", "longitude"))
        if not postcodes:
            raise CommandError("No postcodes loaded: run `manage.py load_postcodes` on this database first.")
        published = Service.objects.public().count()
        if not published:
            raise CommandError("No published services: add some with `manage.py seed_synthetic --services N`.")
        rng = random.Random(options["seed"])
        total = options["requests"] + options["warmup"]
        plan = self.plan(rng, postcodes, total)
        if options["only"]:
            unknown = set(options["only"]) - set(plan)
            if unknown:
                raise CommandError(f"Unknown request types: {', '.join(sorted(unknown))}. Known: {', '.join(plan)}")
            plan = {name: urls for name, urls in plan.items() if name in options["only"]}
        plan[CHEAP] = ["/healthz"] * (options["cheap_requests"] + options["warmup"])
        plan[API_ROOT] = ["/api/"] * (options["cheap_requests"] + options["warmup"])

        machine = self.machine(published)
        self.stdout.write(
            f"{published:,} published services, {machine['database']}, {machine['cpus']} CPUs, "
            f"load average {machine['load_before']}"
        )
        self.stdout.write("Counting SQL queries per request type in this process…")
        queries = self.count_queries(plan, options["explain"])
        self.stdout.write("Starting gunicorn…")
        results = {}
        with Server(options["workers"], options["timeout"]) as server:
            for name, urls in plan.items():
                warm, timed = urls[: options["warmup"]], urls[options["warmup"] :]
                self.run_phase(server.port, warm, options["clients"], options["timeout"])
                with CpuMeter(server) as meter:
                    results[name] = self.run_phase(server.port, timed, options["clients"], options["timeout"])
                count = results[name]["requests"] or 1
                for part, spent in meter.spent.items():
                    results[name][f"{part}_cpu_ms"] = None if spent is None else spent * 1000 / count
                results[name]["queries"] = queries.get(name)
                self.stdout.write(f"  {name}: p50 {results[name]['p50_ms']:.0f} ms")
        machine["load_after"] = _load()
        failures = [(name, f) for name, r in results.items() for f in r.pop("failures")]
        # The cheapest view's throughput: the ceiling of this server on this machine.
        cheap = max(results[name]["throughput_rps"] for name in (CHEAP, API_ROOT))
        for result in results.values():
            result["throughput_share_of_cheap"] = result["throughput_rps"] / cheap if cheap else None
        self.print_table(results)
        self.stdout.write(f"load average before {machine['load_before']}, after {machine['load_after']}")
        report = {"machine": machine, "options": _jsonable(options), "results": results, "failures": failures}
        options["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.stdout.write(f"Wrote {options['json']}")
        if failures:
            lines = "\n".join(f"  {name}: {status} {target}" for name, (status, target) in failures[:20])
            raise CommandError(f"{len(failures)} requests did not answer 200:\n{lines}")

    # --- What to ask ----------------------------------------------------------------

    def plan(self, rng: random.Random, postcodes: list, count: int) -> dict[str, list[str]]:
        """`count` distinct URLs for each request type, the same for the same seed and data."""
        slugs = list(Service.objects.public().order_by("pk").values_list("slug", flat=True))
        points = list(
            ServiceLocation.objects.filter(service__in=Service.objects.public(), location__latitude__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        ) or [0]
        api_pages = max(1, (len(slugs) + DEFAULT_PER_PAGE - 1) // DEFAULT_PER_PAGE)
        search_pages = max(1, (len(slugs) + PAGE_SIZE - 1) // PAGE_SIZE)

        def postcode() -> str:
            return rng.choice(postcodes)[0]

        def filters() -> dict:
            chosen = {"language": rng.choice(LANGUAGES), "support": rng.sample(SUPPORTS, rng.randint(1, 2))}
            if rng.random() < 0.5:
                chosen["community"] = rng.choice(COMMUNITIES)
            if rng.random() < 0.5:
                chosen["gender"] = rng.choice(["women", "men"])
            if rng.random() < 0.3:
                chosen["age"] = rng.choice([17, 25, 40, 70])
            return chosen

        def area() -> str:
            _code, lat, lon = rng.choice(postcodes)
            half_width, half_height = rng.uniform(0.03, 0.12), rng.uniform(0.02, 0.07)
            return f"{lon - half_width:.5f},{lat - half_height:.5f},{lon + half_width:.5f},{lat + half_height:.5f}"

        makers = {
            # The first 50 pages (people rarely page further), in the usual order and by name.
            "browse everything": lambda i: url(
                "/search/", page=1 + (i // 2) % min(search_pages, 50), **({"sort": "name"} if i % 2 else {})
            ),
            "keywords": lambda i: url("/search/", q=" ".join(rng.sample(WORDS, 1 + (i % 3 == 2)))),
            "postcode + radius": lambda i: url("/search/", postcode=postcode(), radius=rng.choice([1, 3, 5, 10])),
            "filters": lambda i: url("/search/", **filters()),
            "combined": lambda i: url(
                "/search/", q=rng.choice(WORDS), postcode=postcode(), radius=rng.choice([3, 5, 10]), **filters()
            ),
            "sort by distance": lambda i: url(
                "/search/", postcode=postcode(), radius=rng.choice([5, 10, 20]), sort="distance"
            ),
            "map GeoJSON, a map area": lambda i: url("/search/geojson/", bbox=area()),
            # The map's first load: everything, no area. The extra parameter only makes each
            # URL distinct (nothing reads it), as any response cache would see them.
            "map GeoJSON, whole region": lambda i: url("/search/geojson/", v=i),
            # What a marker's popup fetches when it opens (the points carry only a name).
            "map point's popup": lambda i: f"/search/geojson/{rng.choice(points)}/",
            "service page": lambda i: f"/services/{rng.choice(slugs)}/",
            "/api/services?page=N": lambda i: url("/api/services", page=1 + (i * 7919) % api_pages),
            # One word, or two (every word must match), first page.
            "/api/services?search=word": lambda i: url("/api/services", search=" ".join(rng.sample(WORDS, 1 + i % 2))),
        }
        plan = {}
        for name in TYPES:
            urls, seen, tries = [], set(), 0
            while len(urls) < count and tries < count * 50:
                candidate = makers[name](tries)
                tries += 1
                if candidate not in seen:
                    seen.add(candidate)
                    urls.append(candidate)
            while len(urls) < count:  # a tiny data set has fewer distinct URLs than asked for
                urls.append(urls[len(urls) % len(seen)])
            plan[name] = urls
        return plan

    # --- In-process query counts ----------------------------------------------------

    def count_queries(self, plan: dict[str, list[str]], explain: Path | None = None) -> dict[str, int]:
        """SQL statements per request, one URL of each type; with `explain`, the EXPLAIN
        (ANALYZE, BUFFERS) plans of each type's slowest statements written to that file."""
        counts, plans = {}, []
        client = Client(HTTP_USER_AGENT=USER_AGENT)
        with override_settings(ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS]):
            for name, urls in plan.items():
                target = urls[-1]
                client.get(target)  # once to fill what a worker keeps between requests
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(target)
                if response.status_code != 200:
                    raise CommandError(f"{name}: {target} answered {response.status_code} (in process)")
                counts[name] = len(captured)
                if explain and connection.vendor == "postgresql" and not name.startswith("cheap"):
                    plans.append(self.explain(name, target, captured.captured_queries))
        if explain:
            explain.write_text("\n".join(plans), encoding="utf-8")
            self.stdout.write(f"Wrote the plans of the slowest statements to {explain}")
        return counts

    @staticmethod
    def explain(name: str, target: str, captured: list[dict], top: int = 2) -> str:
        slowest = sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:top]
        out = [f"=== {name}: GET {target}"]
        with connection.cursor() as cursor:
            for query in slowest:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                out.append(f"--- {float(query['time']) * 1000:.1f} ms in the request\n{query['sql']}\n\n{plan}\n")
        return "\n".join(out)

    # --- Load -----------------------------------------------------------------------

    def run_phase(self, port: int, urls: list[str], clients: int, timeout: int) -> dict:
        work: queue.SimpleQueue = queue.SimpleQueue()
        for target in urls:
            work.put(target)
        times, sizes, failures = [], [], []
        lock = threading.Lock()

        def client() -> None:
            while True:
                try:
                    target = work.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                try:
                    status, body = fetch(port, target, timeout)
                except OSError as error:
                    status, body = f"error {error}", b""
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    times.append(elapsed)
                    sizes.append(len(body))
                    if status != 200:
                        failures.append((status, target))

        threads = [threading.Thread(target=client) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        if not times:
            return {"requests": 0, "p50_ms": 0, "failures": failures}
        return {
            "requests": len(times),
            "p50_ms": statistics.median(times),
            "p95_ms": percentile(times, 0.95),
            "p99_ms": percentile(times, 0.99),
            "max_ms": max(times),
            "throughput_rps": len(times) / wall,
            "mean_bytes": statistics.fmean(sizes),
            "max_bytes": max(sizes),
            "failures": failures,
        }

    # --- Report ---------------------------------------------------------------------

    def machine(self, published: int) -> dict:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
                version = f"PostgreSQL {cursor.fetchone()[0]}"
                cursor.execute("SHOW jit")
                version += f", jit {cursor.fetchone()[0]}"
            else:
                version = connection.vendor
        return {
            "published_services": published,
            "database": version,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": _load(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        }

    def print_table(self, results: dict) -> None:
        head = (
            f"{'request':<28}{'n':>5}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}"
            f"{'req/s':>8}{'% cheap':>9}{'KB avg':>8}{'KB max':>8}{'SQL':>5}{'app CPU':>9}{'db CPU':>8}"
        )
        self.stdout.write("\n" + head + "\n" + "-" * len(head))
        for name, r in results.items():
            if not r["requests"]:
                continue
            share = r["throughput_share_of_cheap"]
            self.stdout.write(
                f"{name[:27]:<28}{r['requests']:>5}{r['p50_ms']:>8.0f}{r['p95_ms']:>8.0f}{r['p99_ms']:>8.0f}"
                f"{r['max_ms']:>8.0f}{r['throughput_rps']:>8.1f}{(share or 0) * 100:>8.1f}%"
                f"{r['mean_bytes'] / 1024:>8.1f}{r['max_bytes'] / 1024:>8.1f}{r['queries'] or 0:>5}"
                f"{_ms(r.get('app_cpu_ms')):>9}{_ms(r.get('db_cpu_ms')):>8}"
            )
        self.stdout.write(
            "(milliseconds; req/s with the clients above; % of the cheapest view's throughput; CPU: milliseconds "
            "of processor time per request in the gunicorn workers and in the PostgreSQL backends, which other "
            "programs on the machine affect far less than the latencies)"
        )


def fetch(port: int, target: str, timeout: int) -> tuple[int, bytes]:
    """One GET on a new connection (gunicorn's sync workers close each one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept-Language": "en"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (Linux /proc), 0 if it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _load() -> str:
    try:
        return " ".join(f"{n:.2f}" for n in os.getloadavg())
    except OSError:
        return "unknown"


def _jsonable(options: dict) -> dict:
    keep = ("requests", "cheap_requests", "warmup", "clients", "workers", "seed", "only", "timeout")
    return {key: options[key] for key in keep}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn in a child process with production-like settings, stopped on exit."""

    def __init__(self, workers: int, timeout: int):
        self.workers, self.timeout = workers, timeout
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict:
        env = dict(os.environ)  # includes DATABASE_URL, from the environment or .env
        env.update(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(48),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            ALLOW_CONSOLE_EMAIL="1",
            # As production with Redis: the map keeps its answers (each worker its own here).
            MAP_CACHE_SECONDS=os.environ.get("MAP_CACHE_SECONDS", "900"),
            DIRECTORY_IGNORE_DOTENV="1",
            DATABASE_URL=_database_url(),
            LOG_LEVEL="WARNING",
            PGAPPNAME=APPLICATION_NAME,  # libpq names the server's connections, for CpuMeter
        )
        return env

    def __enter__(self) -> "Server":
        env = self.environment()
        base = Path(settings.BASE_DIR)
        python = sys.executable
        # DEBUG off serves hashed static file names from a manifest: collect them first.
        subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            [python, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=base, env=env, check=True
        )
        gunicorn = shutil.which("gunicorn", path=str(Path(python).parent)) or "gunicorn"
        self.process = subprocess.Popen(  # noqa: S603 (the venv's gunicorn, our own arguments)
            [
                gunicorn,
                "directory.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--timeout",
                str(self.timeout),
                "--log-level",
                "warning",
            ],
            cwd=base,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn stopped at start (exit {self.process.returncode}).")
            try:
                if fetch(self.port, "/healthz", 5)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise CommandError("gunicorn did not answer /healthz within 60 seconds.")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _database_url() -> str:
    """This process's database as a URL for the child (DATABASE_URL, or the SQLite default)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    return f"sqlite:///{settings.DATABASES['default']['NAME']}"


class CpuMeter:
    """CPU time used while it is open by the gunicorn workers ("app") and by the PostgreSQL
    backends serving them, parallel query workers included ("db"), from Linux's /proc.

    Processes come and go (a kept database connection expires, a parallel worker lives for
    one statement), so a thread samples them every 50 ms and adds up, per process, what it
    used since it was first seen (from 0 for one that started meanwhile). What a process
    uses in its last 50 ms before it ends is missed. None where it cannot be read: not
    Linux, or a database on another machine."""

    INTERVAL = 0.05

    def __init__(self, server: "Server"):
        self.server = server
        self.spent: dict[str, float | None] = {"app": None, "db": None}
        self.first: dict[str, dict[int, float]] = {"app": {}, "db": {}}
        self.last: dict[str, dict[int, float]] = {"app": {}, "db": {}}
        self.stopping = threading.Event()
        local = connection.settings_dict.get("HOST") in ("127.0.0.1", "localhost", "::1", "")
        self.db_readable = connection.vendor == "postgresql" and local
        self.readable = Path("/proc/self/stat").exists() and server.process is not None

    def backends(self) -> list[int]:
        with connection.cursor() as cursor:
            # The server's connections (named by PGAPPNAME) and their parallel workers only:
            # not autovacuum, not this command's own connections.
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s "
                "OR leader_pid IN (SELECT pid FROM pg_stat_activity WHERE application_name = %s)",
                [APPLICATION_NAME, APPLICATION_NAME],
            )
            return [row[0] for row in cursor.fetchall()]

    def sample(self, starting: bool = False) -> None:
        parts = {"app": _children(self.server.process.pid)}
        if self.db_readable:
            parts["db"] = self.backends()
        for part, pids in parts.items():
            for pid in pids:
                used = _cpu_seconds(pid)
                self.first[part].setdefault(pid, used if starting else 0.0)
                self.last[part][pid] = max(used, self.last[part].get(pid, 0.0))

    def watch(self) -> None:
        try:
            while not self.stopping.wait(self.INTERVAL):
                self.sample()
            self.sample()
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> "CpuMeter":
        if self.readable:
            self.sample(starting=True)
            self.thread = threading.Thread(target=self.watch)
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.readable:
            return
        self.stopping.set()
        self.thread.join()
        for part in ("app", "db"):
            if part == "app" or self.db_readable:
                self.spent[part] = sum(self.last[part][pid] - self.first[part][pid] for pid in self.last[part])
