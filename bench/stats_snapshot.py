"""Benchmark: one half-year snapshot build on a province-size dataset against hand-written SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecoenforce \\
        .venv/bin/python bench/stats_snapshot.py [--scale 1.0] [--seed N] [--keep | --reuse]

The database DATABASE_URL names is never touched: the bench creates a scratch
database beside it on the same server (its name plus ``_stats_bench``),
migrates it, fills it with ``manage.py generate_load`` (three years ending
today; ``--scale 1`` is the province size: 60,000 enterprises, 5.2 million
non-site records, 1.1 million inspections, 110,000 cases, 550,000 visits),
runs ``VACUUM ANALYZE``, and then, in the same run, times:

1. ``stats.services.build_half_year`` for the last complete half-year, whole
   installation (every region), in a separate worker-like process: a fresh
   interpreter that sets Django up, builds, and reports its own seconds and
   its own peak resident memory (``VmHWM`` of ``/proc/self/status``: on Linux
   ``ru_maxrss`` carries over the high-water mark of the process it was
   forked from, here the bench that just generated the data);
2. hand-written SQL computing the same headline numbers and record id lists
   for the same half-year and the same half a year earlier: one statement per
   table, ``GROUP BY ROLLUP(region)`` with ``FILTER`` and ``array_agg`` (run
   once to warm the cache, then timed).

It prints both times, their ratio (target: at most 2), the worker's peak
memory (target: under 1 GiB) and whether every cell of the snapshot (value,
last year's value, the ids behind both) equals the hand-written answer. Then
it drops the scratch database (``--keep`` keeps it; ``--reuse`` measures again
on a kept one without generating the data anew).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 2.0
TARGET_MIB = 1024


def scratch_url(database_url: str) -> tuple[str, str, str]:
    """(scratch URL, scratch name, maintenance URL) on the server of ``database_url``."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") or "postgres"
    scratch = f"{name}_stats_bench"
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


def last_complete_half(today: date) -> tuple[int, int]:
    return (today.year - 1, 2) if today.month <= 6 else (today.year, 1)


def half_bounds(year: int, half: int) -> tuple[date, date]:
    """[start, end) of a half-year."""
    if half == 1:
        return date(year, 1, 1), date(year, 7, 1)
    return date(year, 7, 1), date(year + 1, 1, 1)


# --- the hand-written baseline ------------------------------------------------------
# Every statement takes %(s)s/%(e)s (the half-year) and %(ps)s/%(pe)s (a year
# earlier) and answers one row per region plus the total (is_total = 1).

CUR = "{d} >= %(s)s AND {d} < %(e)s"
PREV = "{d} >= %(ps)s AND {d} < %(pe)s"


def either(column: str) -> str:
    return f"(({CUR.format(d=column)}) OR ({PREV.format(d=column)}))"


def cur(column: str) -> str:
    return CUR.format(d=column)


def prev(column: str) -> str:
    return PREV.format(d=column)


PENALISED = (
    "c.decided_on IS NOT NULL AND c.status NOT IN ('no_penalty', 'not_filed', 'transferred')"
    " AND (c.fine_amount > 0 OR c.other_penalties <> '')"
)
WAIVED = "c.status = 'no_penalty' AND c.decided_on IS NOT NULL"

HAND_SQL = {
    "cases": f"""
        SELECT c.region_id, GROUPING(c.region_id),
          count(*) FILTER (WHERE {PENALISED} AND {cur("c.decided_on")}),
          count(*) FILTER (WHERE {PENALISED} AND {prev("c.decided_on")}),
          array_agg(c.id ORDER BY c.id) FILTER (WHERE {PENALISED} AND {cur("c.decided_on")}),
          array_agg(c.id ORDER BY c.id) FILTER (WHERE {PENALISED} AND {prev("c.decided_on")}),
          coalesce(sum(c.fine_amount) FILTER (WHERE {PENALISED} AND {cur("c.decided_on")}), 0),
          coalesce(sum(c.fine_amount) FILTER (WHERE {PENALISED} AND {prev("c.decided_on")}), 0),
          count(*) FILTER (WHERE {cur("c.filed_on")}),
          count(*) FILTER (WHERE {prev("c.filed_on")}),
          array_agg(c.id ORDER BY c.id) FILTER (WHERE {cur("c.filed_on")}),
          array_agg(c.id ORDER BY c.id) FILTER (WHERE {prev("c.filed_on")}),
          count(*) FILTER (WHERE {WAIVED} AND {cur("c.decided_on")}),
          count(*) FILTER (WHERE {WAIVED} AND {prev("c.decided_on")}),
          array_agg(c.id ORDER BY c.id) FILTER (WHERE {WAIVED} AND {cur("c.decided_on")}),
          array_agg(c.id ORDER BY c.id) FILTER (WHERE {WAIVED} AND {prev("c.decided_on")})
        FROM cases_penaltycase c
        WHERE {either("c.decided_on")} OR {either("c.filed_on")}
        GROUP BY ROLLUP(c.region_id)
    """,
    "measures": "SELECT c.region_id, GROUPING(c.region_id),\n"
    + ",\n".join(
        f"""
          count(DISTINCT m.case_id) FILTER (WHERE m.kind = '{kind}' AND {cur('m."on"')}),
          count(DISTINCT m.case_id) FILTER (WHERE m.kind = '{kind}' AND {prev('m."on"')}),
          array_agg(DISTINCT m.case_id) FILTER (WHERE m.kind = '{kind}' AND {cur('m."on"')}),
          array_agg(DISTINCT m.case_id) FILTER (WHERE m.kind = '{kind}' AND {prev('m."on"')})"""
        for kind in (
            "daily_penalty",
            "seal_seize",
            "production_restriction",
            "detention_transfer",
            "crime_transfer",
        )
    )
    + f"""
        FROM cases_specialmeasure m JOIN cases_penaltycase c ON c.id = m.case_id
        WHERE {either('m."on"')}
        GROUP BY ROLLUP(c.region_id)
    """,
    "inspections": f"""
        SELECT i.region_id, GROUPING(i.region_id),
          count(*) FILTER (WHERE {cur("i.inspected_on")}),
          count(*) FILTER (WHERE {prev("i.inspected_on")}),
          array_agg(i.id ORDER BY i.id) FILTER (WHERE {cur("i.inspected_on")}),
          array_agg(i.id ORDER BY i.id) FILTER (WHERE {prev("i.inspected_on")}),
          count(DISTINCT i.enterprise_id) FILTER (WHERE {cur("i.inspected_on")}),
          count(DISTINCT i.enterprise_id) FILTER (WHERE {prev("i.inspected_on")}),
          count(*) FILTER (WHERE i.trigger = 'random' AND {cur("i.inspected_on")}),
          count(*) FILTER (WHERE i.trigger = 'random' AND {prev("i.inspected_on")}),
          array_agg(i.id ORDER BY i.id)
            FILTER (WHERE i.trigger = 'random' AND {cur("i.inspected_on")}),
          array_agg(i.id ORDER BY i.id)
            FILTER (WHERE i.trigger = 'random' AND {prev("i.inspected_on")})
        FROM cases_inspection i
        WHERE i.status = 'completed' AND {either("i.inspected_on")}
        GROUP BY ROLLUP(i.region_id)
    """,
    "offsite": f"""
        SELECT o.region_id, GROUPING(o.region_id),
          count(*) FILTER (WHERE {cur("o.detected_on")}),
          count(*) FILTER (WHERE {prev("o.detected_on")}),
          array_agg(o.id ORDER BY o.id) FILTER (WHERE {cur("o.detected_on")}),
          array_agg(o.id ORDER BY o.id) FILTER (WHERE {prev("o.detected_on")}),
          count(*) FILTER (WHERE o.status IN ('dismissed', 'rectified_online')
                           AND {cur("o.detected_on")}),
          count(*) FILTER (WHERE o.status IN ('dismissed', 'rectified_online')
                           AND {prev("o.detected_on")}),
          array_agg(o.id ORDER BY o.id) FILTER (WHERE o.status IN ('dismissed', 'rectified_online')
                                                AND {cur("o.detected_on")}),
          array_agg(o.id ORDER BY o.id) FILTER (WHERE o.status IN ('dismissed', 'rectified_online')
                                                AND {prev("o.detected_on")}),
          count(*) FILTER (WHERE o.status IN ('inspection_requested', 'case_opened')
                           AND {cur("o.detected_on")}),
          count(*) FILTER (WHERE o.status IN ('inspection_requested', 'case_opened')
                           AND {prev("o.detected_on")}),
          array_agg(o.id ORDER BY o.id)
            FILTER (WHERE o.status IN ('inspection_requested', 'case_opened')
                    AND {cur("o.detected_on")}),
          array_agg(o.id ORDER BY o.id)
            FILTER (WHERE o.status IN ('inspection_requested', 'case_opened')
                    AND {prev("o.detected_on")})
        FROM cases_offsiterecord o
        WHERE {either("o.detected_on")}
        GROUP BY ROLLUP(o.region_id)
    """,
    "visits": f"""
        SELECT v.region_id, GROUPING(v.region_id),
          count(*) FILTER (WHERE {cur("v.visited_on")}),
          count(*) FILTER (WHERE {prev("v.visited_on")}),
          array_agg(v.id ORDER BY v.id) FILTER (WHERE {cur("v.visited_on")}),
          array_agg(v.id ORDER BY v.id) FILTER (WHERE {prev("v.visited_on")}),
          count(DISTINCT v.enterprise_id) FILTER (WHERE {cur("v.visited_on")}),
          count(DISTINCT v.enterprise_id) FILTER (WHERE {prev("v.visited_on")}),
          coalesce(sum(v.cards) FILTER (WHERE {cur("v.visited_on")}), 0),
          coalesce(sum(v.cards) FILTER (WHERE {prev("v.visited_on")}), 0),
          array_agg(v.id ORDER BY v.id) FILTER (WHERE v.cards IS NOT NULL
                                                AND {cur("v.visited_on")}),
          array_agg(v.id ORDER BY v.id) FILTER (WHERE v.cards IS NOT NULL
                                                AND {prev("v.visited_on")})
        FROM (
          SELECT v.id, v.region_id, v.enterprise_id, v.visited_on,
                 (SELECT sum(p.quantity) FROM companies_visitpolicycard p
                  WHERE p.visit_id = v.id) AS cards
          FROM companies_visit v WHERE {either("v.visited_on")}
        ) v
        GROUP BY ROLLUP(v.region_id)
    """,
    "symposiums": f"""
        SELECT s.region_id, GROUPING(s.region_id),
          count(*) FILTER (WHERE {cur("s.held_on")}),
          count(*) FILTER (WHERE {prev("s.held_on")}),
          array_agg(s.id ORDER BY s.id) FILTER (WHERE {cur("s.held_on")}),
          array_agg(s.id ORDER BY s.id) FILTER (WHERE {prev("s.held_on")})
        FROM companies_symposium s
        WHERE {either("s.held_on")}
        GROUP BY ROLLUP(s.region_id)
    """,
    "demands": f"""
        SELECT d.region_id, GROUPING(d.region_id),
          count(*) FILTER (WHERE {cur("d.raised_on")}),
          count(*) FILTER (WHERE {prev("d.raised_on")}),
          array_agg(d.id ORDER BY d.id) FILTER (WHERE {cur("d.raised_on")}),
          array_agg(d.id ORDER BY d.id) FILTER (WHERE {prev("d.raised_on")}),
          count(*) FILTER (WHERE d.status = 'resolved' AND {cur("d.resolved_on")}),
          count(*) FILTER (WHERE d.status = 'resolved' AND {prev("d.resolved_on")}),
          array_agg(d.id ORDER BY d.id)
            FILTER (WHERE d.status = 'resolved' AND {cur("d.resolved_on")}),
          array_agg(d.id ORDER BY d.id)
            FILTER (WHERE d.status = 'resolved' AND {prev("d.resolved_on")})
        FROM companies_demand d
        WHERE {either("d.raised_on")} OR {either("d.resolved_on")}
        GROUP BY ROLLUP(d.region_id)
    """,
    "feedback": f"""
        SELECT f.region_id, GROUPING(f.region_id),
          round(avg(f.rating) FILTER (WHERE f.kind = 'rating' AND {cur("f.submitted_on")}), 2),
          round(avg(f.rating) FILTER (WHERE f.kind = 'rating' AND {prev("f.submitted_on")}), 2),
          array_agg(f.id ORDER BY f.id)
            FILTER (WHERE f.kind = 'rating' AND f.rating IS NOT NULL
                    AND {cur("f.submitted_on")}),
          array_agg(f.id ORDER BY f.id)
            FILTER (WHERE f.kind = 'rating' AND f.rating IS NOT NULL
                    AND {prev("f.submitted_on")}),
          count(*) FILTER (WHERE f.kind = 'complaint' AND {cur("f.submitted_on")}),
          count(*) FILTER (WHERE f.kind = 'complaint' AND {prev("f.submitted_on")}),
          array_agg(f.id ORDER BY f.id)
            FILTER (WHERE f.kind = 'complaint' AND {cur("f.submitted_on")}),
          array_agg(f.id ORDER BY f.id)
            FILTER (WHERE f.kind = 'complaint' AND {prev("f.submitted_on")})
        FROM cases_feedback f
        WHERE {either("f.submitted_on")}
        GROUP BY ROLLUP(f.region_id)
    """,
}

# Which columns of which statement answer which metric: (statement, first
# column of value, previous, ids, previous ids; ``ids_at`` when the ids sit
# elsewhere, as for the sum of fines and the distinct counts).
MEASURE_KINDS = [
    "daily_penalty_cases",
    "seal_seize_cases",
    "production_restriction_cases",
    "detention_transfers",
    "crime_transfers",
]
LAYOUT: dict[str, tuple[str, int, int]] = {
    # metric: (statement, value column, ids column)
    "penalty_cases": ("cases", 2, 4),
    "penalty_amount": ("cases", 6, 4),
    "cases_filed": ("cases", 8, 10),
    "waived_cases": ("cases", 12, 14),
    **{key: ("measures", 2 + 4 * index, 4 + 4 * index) for index, key in enumerate(MEASURE_KINDS)},
    "inspections": ("inspections", 2, 4),
    "enterprises_inspected": ("inspections", 6, 4),
    "random_inspections": ("inspections", 8, 10),
    "offsite_records": ("offsite", 2, 4),
    "offsite_closed_offsite": ("offsite", 6, 8),
    "offsite_to_onsite": ("offsite", 10, 12),
    "visits": ("visits", 2, 4),
    "enterprises_visited": ("visits", 6, 4),
    "policy_cards": ("visits", 8, 10),
    "symposiums": ("symposiums", 2, 4),
    "demands_raised": ("demands", 2, 4),
    "demands_resolved": ("demands", 6, 8),
    "service_rating_avg": ("feedback", 2, 4),
    "complaints": ("feedback", 6, 8),
}


def hand_sql(conn, year: int, half: int) -> dict[str, list[tuple]]:
    start, end = half_bounds(year, half)
    before_start, before_end = half_bounds(year - 1, half)
    params = {"s": start, "e": end, "ps": before_start, "pe": before_end}
    answers = {}
    with conn.cursor() as cursor:
        for name, sql in HAND_SQL.items():
            cursor.execute(sql, params)
            answers[name] = cursor.fetchall()
    return answers


def hand_cells(answers: dict[str, list[tuple]]) -> dict[tuple[str, str], tuple]:
    """(metric, region) → (value, previous, ids, previous ids); region '' is the total."""
    cells = {}
    for metric, (statement, value_at, ids_at) in LAYOUT.items():
        for row in answers[statement]:
            region, is_total = row[0], row[1]
            if is_total:
                region = ""
            elif region is None:
                continue  # city-wide symposiums count in the total only
            value, previous = row[value_at], row[value_at + 1]
            cells[(metric, region)] = (
                None if value is None else Decimal(value),
                None if previous is None else Decimal(previous),
                sorted(row[ids_at] or []),
                sorted(row[ids_at + 1] or []),
            )
    return cells


def snapshot_cells(snapshot_id: int) -> dict[tuple[str, str], tuple]:
    from stats.models import SnapshotCell

    return {
        (metric, region): (value, previous, sorted(ids), sorted(previous_ids))
        for metric, region, value, previous, ids, previous_ids in SnapshotCell.objects.filter(
            snapshot_id=snapshot_id
        ).values_list("metric", "region", "value", "previous", "record_ids", "previous_record_ids")
    }


def same_number(a, b) -> bool:
    if a is None or b is None:
        return (a or 0) == (b or 0)
    return Decimal(a) == Decimal(b)


def compare(built: dict, hand: dict) -> list[str]:
    problems = []
    for key in sorted(set(hand) | set(built)):
        if key not in built or key not in hand:
            # A region with nothing in either period may be absent on one side.
            present = built.get(key) or hand.get(key)
            if present and (present[0] or present[1]):
                problems.append(f"{key}: only in {'hand SQL' if key in hand else 'snapshot'}")
            continue
        (bv, bp, bi, bpi), (hv, hp, hi, hpi) = built[key], hand[key]
        if not (same_number(bv, hv) and same_number(bp, hp)):
            problems.append(f"{key}: snapshot {bv}/{bp}, hand SQL {hv}/{hp}")
        elif bi != hi or bpi != hpi:
            problems.append(f"{key}: the record ids differ")
    return problems


# --- the worker -------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's peak resident memory since it started (its exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # other systems


def worker(year: int, half: int) -> None:
    """Run in a child process: build the snapshot and print seconds and its id as JSON."""
    import django

    django.setup()
    from django.db import connection

    from stats.services import build_half_year

    connection.ensure_connection()
    started = time.perf_counter()
    snapshot = build_half_year(year=year, half=half)
    seconds = time.perf_counter() - started
    # The peak of the build itself, before the diagnostic pass below.
    answer = {
        "seconds": seconds,
        "snapshot": snapshot.pk,
        "status": snapshot.status,
        "mib": peak_rss_mib(),
    }
    del snapshot
    # Diagnostic: the build's statements as plain SELECTs whose id lists are
    # fetched into this process, without storing anything.
    from django.db import connection, transaction

    from stats.metrics import Period, compile_group, metric_groups

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for group in metric_groups():
            cursor.execute(*compile_group(group, Period(year, half), None))
            cursor.fetchall()
    answer["query_seconds"] = time.perf_counter() - started
    answer["mib_with_diagnostic"] = peak_rss_mib()
    print(json.dumps(answer))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = province size")
    parser.add_argument("--seed", type=int, default=20240630)
    parser.add_argument("--keep", action="store_true", help="do not drop the scratch database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the scratch database a --keep run left (no new data); keeps it",
    )
    parser.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0

    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        parser.error("set DATABASE_URL to the PostgreSQL server to run on (postgres://…)")
    bench_url, bench_name, maintenance_url = scratch_url(database_url)
    os.environ.update(
        DATABASE_URL=bench_url,
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="ecoenforce.settings",
        DATABASE_POOL="0",
    )
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    year, half = last_complete_half(date.today())

    if args.reuse:
        print(f"沿用临时数据库 {bench_name}；统计期 {year}-H{half}（全部区划）")
        import django

        django.setup()
        return measure(args, bench_url, year, half)
    print(f"临时数据库 {bench_name}；规模 {args.scale}；统计期 {year}-H{half}（全部区划）")
    with scratch_database(maintenance_url, bench_name, args.keep):
        import django

        django.setup()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("generate_load", seed=args.seed, scale=args.scale)
        import psycopg

        with psycopg.connect(bench_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(f"建库、生成数据、VACUUM ANALYZE 共 {time.perf_counter() - started:.0f} s")
        from django.db import connections

        connections.close_all()
        return measure(args, bench_url, year, half)


def measure(args, bench_url: str, year: int, half: int) -> int:
    import psycopg

    with psycopg.connect(bench_url) as conn:
        hand_sql(conn, year, half)  # warm the cache for both
        conn.rollback()

        completed = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(year), str(half)],
            capture_output=True,
            text=True,
            env=os.environ,
        )
        if completed.returncode != 0:
            print(completed.stdout + completed.stderr)
            print("快照生成进程失败")
            return 1
        built = json.loads(completed.stdout.strip().splitlines()[-1])
        # The child's own reading right after the build, and after its
        # diagnostic pass (which fetches every id list into Python).
        peak_mib = built["mib"]
        diagnostic_mib = built["mib_with_diagnostic"]

        started = time.perf_counter()
        answers = hand_sql(conn, year, half)
        hand_seconds = time.perf_counter() - started
        conn.rollback()

    problems = compare(snapshot_cells(built["snapshot"]), hand_cells(answers))
    ratio = built["seconds"] / hand_seconds
    print(
        f"\n  快照生成 build_half_year（独立进程）  {built['seconds']:8.2f} s"
        f"\n  对照：同样的查询，id 取回 Python    {built['query_seconds']:8.2f} s"
        f"\n  手写 SQL 基线                       {hand_seconds:8.2f} s"
        f"\n  比值                                {ratio:8.2f}（目标 ≤ {TARGET_RATIO}）"
        f"\n  生成进程峰值内存                    {peak_mib:8.0f} MiB（目标 < {TARGET_MIB} MiB）"
        f"\n  （含诊断查询后的进程峰值          {diagnostic_mib:8.0f} MiB）"
        f"\n  与手写 SQL 一致                     {'是' if not problems else '否'}"
    )
    for problem in problems[:20]:
        print(f"    {problem}")
    failed = bool(problems) or ratio > TARGET_RATIO or peak_mib >= TARGET_MIB
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
