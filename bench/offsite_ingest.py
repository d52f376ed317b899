"""Benchmark: non-site record ingestion through the API against hand-written baselines.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecoenforce \\
        .venv/bin/python bench/offsite_ingest.py [--records 100000] [--enterprises 500] [--keep-db]

The database DATABASE_URL names is never touched: the bench creates a scratch
database beside it on the same server (its name plus ``_offsite_bench``),
migrates it, measures, and drops it again (``--keep-db`` keeps it for a look).

It creates a city of enterprises spread over Langfang's ten counties and a
monitoring-platform account with an API token, and generates a deterministic
stream of alerts (every source, half naming the enterprise by id and half by
USCC, as platforms do). Then it times:

1. ``POST /api/v1/offsite-records/bulk/`` in batches of 5,000 into an empty
   table: inserts;
2. the same batches again: the idempotent re-send, nothing written, the same
   ids answered;

through ``django.test.Client`` in the same process: the whole Django and DRF
stack (middleware, token authentication, permissions, JSON parsing, the
service's validation and scope checks, the write, the JSON answer) without
the network and the HTTP server. The request bodies are encoded before the
clock starts: that is the platform's work.

The baselines do the least a hand-written loader could for the same rows,
with no validation and no scope: map USCCs to enterprise ids from a dict,
compute the detection date, and

3. ``COPY`` the rows into the table (psycopg 3);
4. ``executemany`` an ``INSERT … ON CONFLICT DO NOTHING`` (psycopg 3 pipelines it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTIES = [
    "131002",
    "131003",
    "131022",
    "131023",
    "131024",
    "131025",
    "131026",
    "131028",
    "131081",
    "131082",
]
SOURCES = {
    # source: (external id prefix, [(indicator, unit, typical limit)])
    "online_monitoring": (
        "ZXJC",
        [("颗粒物", "mg/m³", "10"), ("二氧化硫", "mg/m³", "35"), ("COD", "mg/L", "50")],
    ),
    "power_metering": ("FBJD", [("治污设施电流", "A", "5"), ("产污设施功率", "kW", "30")]),
    "dcs": ("DCS", [("炉膛温度", "℃", "850"), ("脱硝氨逃逸", "mg/m³", "2.5")]),
    "video": ("SP", [("烟气颜色", "级", "1"), ("露天焚烧", "次", "0")]),
    "energy": ("YN", [("单位产品能耗", "kgce/t", "120")]),
    "remote_sensing": ("YG", [("热异常面积", "m²", "0")]),
    "other": ("QT", [("群众反映", "次", "0")]),
}
SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH = 5000
TARGET = 10_000  # records per second, sustained, through the API
API_FIRST = "API 首次报送（新增）"
API_AGAIN = "API 重复报送（幂等，无写入）"
BASELINE_COPY = "基线 COPY 直接写表"
BASELINE_MANY = "基线 executemany INSERT … ON CONFLICT"


def scratch_url(database_url: str) -> tuple[str, str, str]:
    """(scratch URL, scratch name, maintenance URL) on the server of ``database_url``."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") or "postgres"
    scratch = f"{name}_offsite_bench"
    return (
        urlunsplit(parts._replace(path=f"/{scratch}")),
        scratch,
        urlunsplit(parts._replace(path="/postgres")),
    )


@contextmanager
def scratch_database(maintenance_url: str, name: str, keep: bool):
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield
    finally:
        if not keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(maintenance_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_enterprises(count: int, seed: int) -> list[tuple[int, str, str]]:
    """``count`` valid enterprises over the ten counties; answers (id, uscc, region)."""
    from companies.models import Enterprise
    from companies.validators import USCC_CHARSET, uscc_check_char

    rng = random.Random(seed)
    seen: set[str] = set()
    rows = []
    while len(rows) < count:
        region = COUNTIES[len(rows) % len(COUNTIES)]
        body = "91" + region + "".join(rng.choice(USCC_CHARSET) for _ in range(9))
        uscc = body + uscc_check_char(body)
        if uscc in seen:
            continue
        seen.add(uscc)
        rows.append(
            Enterprise(uscc=uscc, name=f"廊坊基准测试企业{len(rows) + 1}有限公司", region_id=region)
        )
    Enterprise.objects.bulk_create(rows, batch_size=1000)
    return list(Enterprise.objects.order_by("pk").values_list("pk", "uscc", "region_id"))


def generate(count: int, enterprises: list[tuple[int, str, str]], seed: int) -> list[dict]:
    """``count`` alerts as platforms send them, the same for the same seed."""
    rng = random.Random(seed)
    sources = list(SOURCES)
    start = datetime(2024, 1, 1, tzinfo=SHANGHAI)
    items = []
    for n in range(count):
        source = sources[n % len(sources)]
        prefix, indicators = SOURCES[source]
        indicator, unit, limit = rng.choice(indicators)
        pk, uscc, _ = enterprises[rng.randrange(len(enterprises))]
        started = start + timedelta(minutes=rng.randrange(181 * 24 * 60))
        item = {
            "source": source,
            "external_id": f"{prefix}-2024-{n:08d}",
            "monitoring_point": f"{rng.randint(1, 4)}号排放口",
            "indicator": indicator,
            "value": f"{float(limit) * rng.uniform(1.05, 3.0) + 0.5:.3f}",
            "limit": limit,
            "unit": unit,
            "started_at": started.isoformat(),
            "ended_at": (started + timedelta(minutes=rng.randint(15, 360))).isoformat(),
        }
        if n % 2:
            item["enterprise"] = pk
        else:
            item["enterprise_uscc"] = uscc
        items.append(item)
    return items


def post_batches(client, token: str, bodies: list[bytes]) -> list[dict]:
    answers = []
    for body in bodies:
        response = client.post(
            "/api/v1/offsite-records/bulk/",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
        if response.status_code != 200:
            raise SystemExit(f"API answered {response.status_code}: {response.content[:500]!r}")
        answers.append(json.loads(response.content))
    return answers


def baseline_rows(items: list[dict], enterprises: list[tuple[int, str, str]]) -> list[tuple]:
    """What a hand-written loader computes per row: ids, region, detection date."""
    by_id = {pk: region for pk, _, region in enterprises}
    by_uscc = {uscc: (pk, region) for pk, uscc, region in enterprises}
    rows = []
    for item in items:
        if "enterprise" in item:
            pk = item["enterprise"]
            region = by_id[pk]
        else:
            pk, region = by_uscc[item["enterprise_uscc"]]
        started = datetime.fromisoformat(item["started_at"])
        rows.append(
            (
                item["source"],
                item["external_id"],
                pk,
                region,
                item["monitoring_point"],
                item["indicator"],
                item["value"],
                item["limit"],
                item["unit"],
                started,
                datetime.fromisoformat(item["ended_at"]),
                started.astimezone(SHANGHAI).date(),
            )
        )
    return rows


BASELINE_COLUMNS = (
    "source, external_id, enterprise_id, region_id, monitoring_point, indicator, value, "
    '"limit", unit, started_at, ended_at, detected_on'
)


def baseline_copy(conn, items, enterprises) -> int:
    rows = baseline_rows(items, enterprises)
    with conn.transaction(), conn.cursor() as cursor:
        with cursor.copy(
            f"COPY cases_offsiterecord ({BASELINE_COLUMNS}, status, dismissal_reason, "
            "triage_note, enterprise_response, received_at, updated_at) FROM STDIN"
        ) as copy:
            now = datetime.now(tz=SHANGHAI)
            for row in rows:
                copy.write_row((*row, "new", "", "", "", now, now))
        return len(rows)


def baseline_executemany(conn, items, enterprises) -> int:
    rows = baseline_rows(items, enterprises)
    with conn.transaction(), conn.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO cases_offsiterecord ({BASELINE_COLUMNS}, status, dismissal_reason, "
            "triage_note, enterprise_response, received_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'new', '', '', '', "
            "now(), now()) ON CONFLICT (source, external_id) DO NOTHING",
            rows,
        )
        return len(rows)


def backend_cpu(pid: int) -> float | None:
    """CPU seconds a PostgreSQL backend has used, when the server runs on this
    host and its processes are readable (Linux /proc); else None."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(label: str, results: dict, count: int, function, backend_pid: int):
    """Wall time, and CPU time of this process and of the PostgreSQL backend
    doing the work: on a busy machine the wall time says more about the other
    workloads than about the code, the CPU time does not."""
    cpu_before, backend_before = time.process_time(), backend_cpu(backend_pid)
    started = time.perf_counter()
    outcome = function()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    backend_after = backend_cpu(backend_pid)
    database = None if backend_before is None else backend_after - backend_before
    results[label] = (seconds, count / seconds, cpu, database)
    line = f"  {label:<40} {seconds:7.2f} s {count / seconds:9,.0f} 条/秒"
    if database is not None:
        line += (
            f"   CPU：Python {cpu:5.2f} s + PostgreSQL {database:5.2f} s"
            f" = {count / (cpu + database):9,.0f} 条/CPU秒"
        )
    else:
        line += f"   CPU：Python {cpu:5.2f} s"
    print(line, flush=True)
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20240630)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the scratch database")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        parser.error("set DATABASE_URL to the PostgreSQL server to run on (postgres://…)")
    bench_url, bench_name, maintenance_url = scratch_url(database_url)
    # Production-like settings: no debug cursor logging every query; the test
    # client's host allowed and no HTTPS redirect in-process.
    os.environ.update(
        DATABASE_URL=bench_url,
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="ecoenforce.settings",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        # One connection for every request, as a running server keeps it, so
        # its backend's CPU time can be read.
        CONN_MAX_AGE="3600",
        DATABASE_POOL="0",
    )
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

    print(f"临时数据库 {bench_name}；{args.enterprises} 家企业，{args.records} 条非现场记录")
    with scratch_database(maintenance_url, bench_name, args.keep_db):
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return run(args, bench_url)


def run(args, database_url: str) -> int:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from accounts.models import Officer
    from accounts.roles import Role
    from cases.models import OffsiteRecord

    user = get_user_model().objects.create_user("platform", password=secrets.token_urlsafe())
    user.groups.set(Group.objects.filter(name=Role.MONITORING_PLATFORM))
    # A city-wide platform: every item's enterprise is still checked against the scope.
    Officer.objects.create(user=user, name="基准测试监控平台")
    token = Token.objects.create(user=user).key

    enterprises = make_enterprises(args.enterprises, args.seed)
    items = generate(args.records, enterprises, args.seed)
    bodies = [
        json.dumps({"items": items[i : i + BATCH]}, ensure_ascii=False).encode()
        for i in range(0, len(items), BATCH)
    ]
    print(
        f"  {len(bodies)} 批，每批至多 {BATCH} 条，"
        f"请求体共 {sum(map(len, bodies)) / 1e6:.1f} MB（计时前已编码）"
    )

    def truncate():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE cases_offsiterecord CASCADE")

    client = Client()
    connection.ensure_connection()
    django_backend = connection.connection.info.backend_pid
    results: dict[str, tuple] = {}
    count = len(items)
    print("\n测量（进程内 django.test.Client：完整 Django/DRF 处理链，不含网络和 HTTP 服务器）：")
    first = timed(
        API_FIRST, results, count, lambda: post_batches(client, token, bodies), django_backend
    )
    again = timed(
        API_AGAIN, results, count, lambda: post_batches(client, token, bodies), django_backend
    )
    if connection.connection.info.backend_pid != django_backend:
        print("  （注意：请求之间数据库连接已更换，PostgreSQL CPU 时间不完整）")
    stored = OffsiteRecord.objects.count()

    failures = []
    if sum(a["created"] for a in first) != count or any(a["errors"] for a in first):
        failures.append(f"first send created {sum(a['created'] for a in first)} of {count}")
    if sum(a["created"] for a in again) or [a["ids"] for a in again] != [a["ids"] for a in first]:
        failures.append("re-send created records or answered other ids")
    if stored != count:
        failures.append(f"{stored} records stored, expected {count}")

    import psycopg

    print("\n基线（手写 psycopg，无校验、无管辖范围检查）：")
    written = []
    for label, function in (
        (BASELINE_COPY, baseline_copy),
        (BASELINE_MANY, baseline_executemany),
    ):
        truncate()
        with psycopg.connect(database_url) as conn:
            written.append(
                timed(
                    label,
                    results,
                    count,
                    lambda conn=conn, function=function: function(conn, items, enterprises),
                    conn.info.backend_pid,
                )
            )
    if written != [count, count] or OffsiteRecord.objects.count() != count:
        failures.append("a baseline did not write every row")
    if failures:
        print("\n基准数据有误：" + "; ".join(failures))
        return 1

    def rate(label: str) -> float:
        return results[label][1]

    def cpu_rate(label: str) -> float | None:
        _, _, cpu, database = results[label]
        return None if database is None else count / (cpu + database)

    print(
        f"\nAPI/基线 速率之比：首次报送对 COPY {rate(API_FIRST) / rate(BASELINE_COPY):.2f}，"
        f"对 executemany {rate(API_FIRST) / rate(BASELINE_MANY):.2f}；"
        f"重复报送对 COPY {rate(API_AGAIN) / rate(BASELINE_COPY):.2f}"
    )
    if cpu_rate(API_FIRST) is not None:
        print(
            "按 CPU 时间（不受其他负载影响）之比：首次报送对 COPY "
            f"{cpu_rate(API_FIRST) / cpu_rate(BASELINE_COPY):.2f}，"
            f"对 executemany {cpu_rate(API_FIRST) / cpu_rate(BASELINE_MANY):.2f}"
        )
    slowest = min(rate(API_FIRST), rate(API_AGAIN))
    verdict = "达标" if slowest >= TARGET else "未达标"
    print(f"目标：经 API 持续 ≥ {TARGET:,} 条/秒 —— {verdict}（较慢一项 {slowest:,.0f} 条/秒）")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if load is not None:
        print(f"（本机 {os.cpu_count()} 个 CPU，测量结束时 1 分钟平均负载 {load:.1f}）")
    return 0 if verdict == "达标" else 2


if __name__ == "__main__":
    sys.exit(main())
