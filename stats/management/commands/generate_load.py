"""``manage.py generate_load``: a province-size dataset for load tests, deterministic from a seed.

    manage.py generate_load [--seed N] [--scale 1.0] [--years 3] [--end-date YYYY-MM-DD] [--force]

At ``--scale 1`` it writes the eleven cities of Hebei and their county-level
units, about 60,000 enterprises, 3,000 officers, 5.2 million non-site records,
1.13 million inspections (with findings), 110,000 penalty cases in a realistic
spread of states (with filing and decision dates, fines, waivers and numbers
unique per year), special measures, 550,000 service visits (with policy cards),
demands, symposiums and feedback, over ``--years`` years ending at
``--end-date`` (today by default).

**Scratch databases only.** Bulk data is not business entry: the rows are
written with set-based SQL (``INSERT … SELECT FROM generate_series``), not
through the services, so that the full scale takes minutes rather than days.
No workflow rule runs, no history row is written, and foreign keys are not
checked row by row (the rows are built to satisfy them; every CHECK and UNIQUE
constraint is still enforced by PostgreSQL). The command refuses to run on a
database that already holds enterprises unless ``--force`` is given.

Every pseudo-random choice is a slice of ``md5(seed:table:ordinal)``, never
``random()``: the same seed gives the same rows, whatever plan PostgreSQL picks.
"""

from __future__ import annotations

import csv
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

HEBEI_CSV = Path(__file__).resolve().parents[3] / "accounts" / "data" / "hebei_cities.csv"
# County-level units per city of Hebei (GB/T 2260); Langfang's are seeded by a migration.
COUNTIES_PER_CITY = {
    "130100": 22,
    "130200": 14,
    "130300": 7,
    "130400": 18,
    "130500": 18,
    "130600": 24,
    "130700": 16,
    "130800": 11,
    "130900": 16,
    "131000": 10,
    "131100": 11,
}
# Rows at --scale 1.
BASE = {
    "enterprises": 60_000,
    "officers": 3_000,
    "offsite_records": 5_200_000,
    "inspections": 1_000_000,
    "direct_cases": 30_000,
    "visits": 550_000,
    "direct_demands": 40_000,
    "symposiums": 1_500,
}
POLICY_CARDS = 20
TZ = "Asia/Shanghai"
# Secondary indexes of the big tables are dropped before the load and rebuilt
# after it: one sort per index instead of millions of random inserts.
REBUILT_INDEXES = (
    "cases_offsiterecord",
    "cases_inspection",
    "cases_finding",
    "companies_visit",
    "companies_visitpolicycard",
)


def u(m: str, k: int) -> str:
    """SQL: a float in [0, 1) from the ``k``-th 28-bit slice (0–3) of the md5 hex ``m``."""
    return f"(('x' || substr({m}, {1 + 7 * k}, 7))::bit(28)::int / 268435456.0)"


def n(m: str, k: int, size) -> str:
    """SQL: an integer in [0, size) from the ``k``-th slice of ``m``."""
    return f"(('x' || substr({m}, {1 + 7 * k}, 7))::bit(28)::int % ({size}))"


def md5(seed: int, tag: str, key: str) -> str:
    return f"md5('{int(seed)}:{tag}:' || ({key})::text)"


def sql_text_array(values) -> str:
    return "(ARRAY[" + ",".join(f"'{value}'" for value in values) + "]::text[])"


@dataclass
class Plan:
    seed: int
    scale: float
    start: date
    end: date

    def count(self, key: str, minimum: int = 1) -> int:
        return max(minimum, round(BASE[key] * self.scale))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class Command(BaseCommand):
    help = "生成省级规模的压测数据（仅限临时数据库；按种子确定性生成）"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20240630)
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = province size")
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument(
            "--end-date", type=date.fromisoformat, default=None, help="last day (default today)"
        )
        parser.add_argument(
            "--force", action="store_true", help="run even if the database holds enterprises"
        )

    def handle(self, *args, seed, scale, years, end_date, force, **options):
        from companies.models import Enterprise

        if scale <= 0 or years < 1:
            raise CommandError("--scale must be positive and --years at least 1")
        if Enterprise.objects.exists() and not force:
            raise CommandError(
                "the database already holds enterprises: generate_load writes bulk rows "
                "around the services and is meant for scratch databases only (--force to insist)"
            )
        end = end_date or date.today()
        try:
            start = end.replace(year=end.year - years) + timedelta(days=1)
        except ValueError:  # 29 February
            start = end.replace(year=end.year - years, day=28) + timedelta(days=1)
        plan = Plan(seed=seed, scale=scale, start=start, end=end)
        self.stdout.write(
            f"generate_load: seed {seed}, scale {scale}, {plan.start} – {plan.end}", ending="\n"
        )
        started = time.monotonic()
        with transaction.atomic():
            Loader(plan, self.stdout).run()
        self.stdout.write(f"done in {time.monotonic() - started:.1f} s")


class Loader:
    def __init__(self, plan: Plan, stdout):
        self.plan = plan
        self.out = stdout
        self.seed = plan.seed

    # --- helpers ----------------------------------------------------------
    def execute(self, sql: str, params=None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def scalar(self, sql: str, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def base_id(self, table: str) -> int:
        return self.scalar(f"SELECT coalesce(max(id), 0) FROM {table}")

    def step(self, label: str, function, analyze: str | None = None) -> None:
        started = time.monotonic()
        rows = function()
        if analyze:
            # Later statements read this table: give the planner its size.
            self.execute(f"ANALYZE {analyze}")
        seconds = time.monotonic() - started
        self.out.write(f"  {label:<34} {rows:>10,} rows {seconds:8.1f} s", ending="\n")
        self.out.flush()

    def date_of(self, m: str, k: int) -> str:
        return f"(DATE '{self.plan.start}' + {n(m, k, self.plan.days)})"

    @property
    def end(self) -> str:
        return f"DATE '{self.plan.end}'"

    # --- the run ------------------------------------------------------------
    def run(self) -> None:
        self.execute("SET LOCAL synchronous_commit = off")
        # Compiling these one-off statements costs more than it saves.
        self.execute("SET LOCAL jit = off")
        self.execute("SET LOCAL maintenance_work_mem = '512MB'")
        self.execute("SET LOCAL work_mem = '128MB'")
        if self.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
            # Foreign keys are satisfied by construction; skipping their
            # per-row triggers is what makes millions of rows affordable.
            self.execute("SET LOCAL session_replication_role = replica")
        dropped = self.drop_indexes()
        self.step("regions", self.regions)
        self.step("units", self.units)
        self.step("officers", self.officers)
        self.step("policy cards", self.policy_cards)
        self.step("enterprises", self.enterprises, "companies_enterprise")
        self.step("non-site records", self.offsite_records, "cases_offsiterecord")
        self.step("inspections", self.inspections)
        self.step("inspections from non-site records", self.offsite_inspections, "cases_inspection")
        self.step("findings", self.findings)
        self.step("penalty cases", self.penalty_cases, "cases_penaltycase")
        self.step("case numbers", self.case_numbers)
        self.step("special measures", self.special_measures)
        self.step("visits", self.visits, "companies_visit")
        self.step("visit policy cards", self.visit_cards)
        self.step("symposiums", self.symposiums, "companies_symposium_enterprises")
        self.step("demands", self.demands)
        self.step("feedback links and feedback", self.feedback)
        self.step("indexes rebuilt", lambda: self.rebuild_indexes(dropped))
        self.step("sequences", self.sequences)
        self.step("analyze", self.analyze)

    def drop_indexes(self) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                """,
                [list(REBUILT_INDEXES)],
            )
            rows = cursor.fetchall()
            for name, _ in rows:
                cursor.execute(f"DROP INDEX {name}")
        return [definition for _, definition in rows]

    def rebuild_indexes(self, definitions: list[str]) -> int:
        for definition in definitions:
            self.execute(definition)
        return len(definitions)

    def sequences(self) -> int:
        # The function goes in the select list: in WHERE it could meet catalog tables.
        tables = [
            table
            for table, sequence in self.execute_fetch(
                """
                SELECT c.relname, pg_get_serial_sequence(c.oid::regclass::text, 'id')
                FROM pg_class c
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id'
                WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
                """
            )
            if sequence
        ]
        for table in tables:
            self.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce(max(id), 0) + 1, false) FROM {table}"
            )
        return len(tables)

    def execute_fetch(self, sql: str, params=None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def analyze(self) -> int:
        self.execute("ANALYZE")
        return 0

    # --- reference rows, through the services where there are any -----------
    def regions(self) -> int:
        from accounts.choices import RegionLevel
        from accounts.models import Region
        from accounts.services import region_upsert

        with HEBEI_CSV.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        province = next(row for row in rows if not row["parent"])
        root = region_upsert(
            code=province["code"], name=province["name"], level=RegionLevel.PROVINCE, parent=None
        )
        written = 1
        for row in rows:
            if not row["parent"]:
                continue
            city = Region.objects.filter(code=row["code"]).first()
            if city is None:
                city = region_upsert(
                    code=row["code"], name=row["name"], level=RegionLevel.CITY, parent=root
                )
                written += 1
            have = Region.objects.filter(parent=city).count()
            short = row["name"].removesuffix("市")
            for number in range(have, COUNTIES_PER_CITY.get(row["code"], 10)):
                code = f"{row['code'][:4]}{number + 2:02d}"
                if Region.objects.filter(code=code).exists():
                    continue
                region_upsert(
                    code=code,
                    name=f"{short}第{number + 1}县",
                    level=RegionLevel.COUNTY,
                    parent=city,
                )
                written += 1
        self.counties = list(
            Region.objects.filter(level=RegionLevel.COUNTY, path__startswith=root.path)
            .order_by("code")
            .values_list("code", flat=True)
        )
        self.cities = list(
            Region.objects.filter(level=RegionLevel.CITY, parent=root)
            .order_by("code")
            .values_list("code", flat=True)
        )
        return written

    def units(self) -> int:
        from accounts.choices import UnitKind
        from accounts.models import Region, Unit

        created = 0
        self.unit_of: dict[str, int] = {}
        for region in Region.objects.filter(code__in=self.cities + self.counties).order_by("code"):
            kind = UnitKind.DETACHMENT if region.code in self.cities else UnitKind.BRIGADE
            suffix = "生态环境保护综合执法支队" if kind == UnitKind.DETACHMENT else "执法大队"
            unit, made = Unit.objects.get_or_create(
                name=f"{region.name}{suffix}", defaults={"kind": kind}
            )
            if made:
                unit.regions.add(region)
                created += 1
            self.unit_of[region.code] = unit.pk
        return created

    def officers(self) -> int:
        count = self.plan.count("officers", 20)
        self.user_base = self.scalar("SELECT coalesce(max(id), 0) FROM auth_user")
        self.officer_base = self.base_id("accounts_officer")
        self.officer_count = count
        counties = sql_text_array(self.counties)
        units = "ARRAY[" + ",".join(str(self.unit_of[c]) for c in self.counties) + "]::bigint[]"
        nc = len(self.counties)
        self.execute(
            f"""
            INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,
                                   email, is_staff, is_active, date_joined)
            SELECT {self.user_base} + i, '!', false, 'load_' || ({self.user_base} + i), '', '',
                   '', false, true, now()
            FROM generate_series(1, {count}) i
            """
        )
        self.execute(
            f"""
            INSERT INTO accounts_officer (id, name, badge_number, certificate_valid_until, phone,
                                          updated_at, user_id, unit_id)
            SELECT {self.officer_base} + i, '执法人员' || i, 'LOAD' || ({self.officer_base} + i),
                   {self.end} + 365 * 2, '', now(), {self.user_base} + i,
                   ({units})[(i % {nc}) + 1]
            FROM generate_series(1, {count}) i
            """
        )
        self.execute(
            f"""
            INSERT INTO accounts_officer_regions (officer_id, region_id)
            SELECT {self.officer_base} + i, ({counties})[(i % {nc}) + 1]
            FROM generate_series(1, {count}) i
            """
        )
        return count

    def policy_cards(self) -> int:
        from companies.models import PolicyCard

        cards = [
            PolicyCard.objects.get_or_create(
                code=f"load-card-{number:02d}",
                defaults={"title": f"政策明白卡第{number}号", "issued_on": self.plan.start},
            )[0].pk
            for number in range(1, POLICY_CARDS + 1)
        ]
        self.cards = "ARRAY[" + ",".join(map(str, cards)) + "]::bigint[]"
        return len(cards)

    # --- enterprises: Python, for the USCC check character ------------------
    def enterprises(self) -> int:
        from companies.validators import USCC_CHARSET, uscc_check_char

        count = self.plan.count("enterprises", 60)
        self.ent_base = self.base_id("companies_enterprise")
        self.ent_count = count
        rng = random.Random(self.seed)
        existing = {row[0] for row in self.execute_fetch("SELECT uscc FROM companies_enterprise")}
        industries = [
            row[0]
            for row in self.execute_fetch(
                "SELECT code FROM companies_industry WHERE parent_id IS NOT NULL ORDER BY code"
            )
        ] or [None]
        # More enterprises in some counties than in others, as in life.
        weights = [1 + (index * 7919) % 5 for index in range(len(self.counties))]
        categories = ["key", "simplified", "registration", "none"]
        grades = ["A", "B", "C", "D", ""]
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY companies_enterprise (id, uscc, uscc_legacy_reason, name, address,"
                " legal_representative, contact_phone, permit_category, permit_number,"
                " performance_grade, on_positive_list, key_discharge_unit,"
                " key_soil_pollution_unit, vocs_related, hazardous_waste_producer, status,"
                " created_at, updated_at, region_id, industry_id) FROM STDIN"
            ) as copy,
        ):
            for index in range(1, count + 1):
                region = rng.choices(self.counties, weights)[0]
                while True:
                    body = "91" + region + "".join(rng.choices(USCC_CHARSET, k=9))
                    uscc = body + uscc_check_char(body)
                    if uscc not in existing:
                        existing.add(uscc)
                        break
                category = rng.choices(categories, (5, 20, 45, 30))[0]
                permit = f"{uscc}001P" if category != "none" else ""
                copy.write_row(
                    (
                        self.ent_base + index,
                        uscc,
                        "",
                        f"河北压测企业{index}有限公司",
                        f"{region}工业园区{index % 97 + 1}号",
                        "",
                        "",
                        category,
                        permit,
                        rng.choices(grades, (5, 15, 30, 10, 40))[0],
                        rng.random() < 0.08,
                        category == "key",
                        rng.random() < 0.05,
                        rng.random() < 0.3,
                        rng.random() < 0.2,
                        "operating" if rng.random() < 0.93 else "suspended",
                        "2020-01-01T00:00:00+08:00",
                        "2020-01-01T00:00:00+08:00",
                        region,
                        rng.choice(industries),
                    )
                )
        return count

    def enterprise_of(self, m: str, k: int) -> str:
        return f"({self.ent_base} + 1 + {n(m, k, self.ent_count)})"

    def officer_of(self, m: str, k: int) -> str:
        return f"({self.officer_base} + 1 + {n(m, k, self.officer_count)})"

    # --- non-site records ----------------------------------------------------
    def offsite_records(self) -> int:
        count = self.plan.count("offsite_records")
        base = self.offsite_floor = self.base_id("cases_offsiterecord")
        sources = sql_text_array(
            ["online_monitoring", "power_metering", "dcs", "video", "energy", "remote_sensing"]
        )
        indicators = sql_text_array(
            ["颗粒物", "治污设施电流", "炉膛温度", "烟气颜色", "单位产品能耗", "热异常面积"]
        )
        units = sql_text_array(["mg/m³", "A", "℃", "级", "kgce/t", "m²"])
        m = md5(self.seed, "offsite", "g.i")
        return self.execute(
            f"""
            INSERT INTO cases_offsiterecord (
                id, source, external_id, monitoring_point, indicator, value, "limit", unit,
                started_at, ended_at, detected_on, status, dismissal_reason, triage_note,
                enterprise_response, triaged_at, received_at, updated_at, enterprise_id,
                region_id, triaged_by_id)
            SELECT r.id, {sources}[r.s + 1], 'LOAD-' || r.id, '排口' || (1 + r.s),
                   {indicators}[r.s + 1], round((50 + 100 * r.u2)::numeric, 4), 50,
                   {units}[r.s + 1], t.started, t.started + interval '1 hour' * (1 + r.s), r.day,
                   st.status,
                   CASE WHEN st.status = 'dismissed'
                        THEN (ARRAY['device_fault', 'false_alarm'])[1 + (r.id % 2)] ELSE '' END,
                   '', '',
                   CASE WHEN st.status = 'new' THEN NULL ELSE t.started + interval '1 day' END,
                   t.started, t.started, e.id, e.region_id, NULL
            FROM (
                SELECT {base} + g.i AS id,
                       {n("h.m", 0, 6)} AS s, {u("h.m", 1)} AS u1, {u("h.m", 2)} AS u2,
                       {self.date_of("h.m", 3)} AS day,
                       {self.enterprise_of(md5(self.seed, "offsite-e", "g.i"), 0)} AS ent
                FROM generate_series(1, {count}) g(i), LATERAL (SELECT {m} AS m OFFSET 0) h
                OFFSET 0
            ) r
            JOIN companies_enterprise e ON e.id = r.ent,
            LATERAL (SELECT (r.day + time '08:00' + interval '1 minute' * (r.id % 600))
                            AT TIME ZONE '{TZ}' AS started) t,
            LATERAL (SELECT CASE
                WHEN r.day > {self.end} - 14 AND r.u1 < 0.5 THEN 'new'
                WHEN r.day > {self.end} - 14 THEN 'verifying'
                WHEN r.u1 < 0.40 THEN 'dismissed'
                WHEN r.u1 < 0.967 THEN 'rectified_online'
                WHEN r.u1 < 0.992 THEN 'inspection_requested'
                ELSE 'case_opened' END AS status OFFSET 0) st
            """
        )

    # --- inspections and findings --------------------------------------------
    def inspection_columns(self) -> str:
        return """
            id, trigger, trigger_reason, status, emergency, emergency_reason, approved_at,
            inspected_on, started_at, ended_at, signature, signed_by, refusal_witness, outcome,
            rectification_due_on, ladder_proposal, summary, created_at, updated_at,
            approved_by_id, enterprise_id, follow_up_of_id, region_id, requested_by_id,
            plan_id, offsite_record_id, draw_item_id"""

    def inspection_values(self) -> str:
        """The SELECT list over a row ``r`` with (id, m, trigger, day, ent, region, offsite)."""
        return f"""
            r.id, r.trigger, '', st.status, false, '',
            (r.day - 1 + time '16:00') AT TIME ZONE '{TZ}',
            r.day,
            CASE WHEN st.status = 'completed'
                 THEN (r.day + time '09:00') AT TIME ZONE '{TZ}' END,
            CASE WHEN st.status = 'completed'
                 THEN (r.day + time '11:00') AT TIME ZONE '{TZ}' END,
            CASE WHEN st.status <> 'completed' THEN 'pending'
                 WHEN {u("r.m", 2)} < 0.03 THEN 'refused' ELSE 'signed' END,
            CASE WHEN st.status = 'completed' THEN '企业负责人' ELSE '' END,
            CASE WHEN st.status = 'completed' AND {u("r.m", 2)} < 0.03
                 THEN '村委会工作人员' ELSE '' END,
            st.outcome,
            CASE WHEN st.outcome = 'rectification' THEN r.day + 30 END,
            '', '',
            (r.day - 1 + time '16:00') AT TIME ZONE '{TZ}', now(),
            NULL, r.ent, NULL, r.region, NULL, NULL, r.offsite, NULL"""

    def inspection_state(self) -> str:
        return f"""
            LATERAL (SELECT
                CASE WHEN {u("r.m", 1)} < 0.03 THEN 'cancelled'
                     WHEN r.day > {self.end} - 3 THEN 'approved'
                     ELSE 'completed' END AS status OFFSET 0) st0,
            LATERAL (SELECT st0.status,
                CASE WHEN st0.status <> 'completed' THEN ''
                     WHEN {u("r.m", 3)} < 0.70 THEN 'no_problem'
                     WHEN {u("r.m", 3)} < 0.96 THEN 'rectification'
                     ELSE 'case' END AS outcome OFFSET 0) st"""

    def inspections(self) -> int:
        count = self.plan.count("inspections")
        base = self.inspection_floor = self.base_id("cases_inspection")
        triggers = sql_text_array(
            ["random"] * 9 + ["complaint"] * 3 + ["follow_up"] * 3 + ["campaign"] * 4 + ["other"]
        )
        m = md5(self.seed, "inspection", "g.i")
        return self.execute(
            f"""
            INSERT INTO cases_inspection ({self.inspection_columns()})
            SELECT {self.inspection_values()}
            FROM (
                SELECT q.*, e.region_id AS region FROM (
                    SELECT {base} + g.i AS id, h.m, {triggers}[1 + {n("h.m", 0, 20)}] AS trigger,
                           {self.date_of("h.m", 3)} AS day,
                           {self.enterprise_of(md5(self.seed, "inspection-e", "g.i"), 0)} AS ent,
                           NULL::bigint AS offsite
                    FROM generate_series(1, {count}) g(i), LATERAL (SELECT {m} AS m OFFSET 0) h
                    OFFSET 0
                ) q JOIN companies_enterprise e ON e.id = q.ent
            ) r, {self.inspection_state()}
            """
        )

    def offsite_inspections(self) -> int:
        base = self.base_id("cases_inspection")
        m = md5(self.seed, "offsite-inspection", "o.id")
        return self.execute(
            f"""
            INSERT INTO cases_inspection ({self.inspection_columns()})
            SELECT {self.inspection_values()}
            FROM (
                SELECT {base} + row_number() OVER (ORDER BY o.id) AS id, {m} AS m,
                       'offsite' AS trigger,
                       least(o.detected_on + 1 + (o.id % 7)::int, {self.end}) AS day,
                       o.enterprise_id AS ent, o.region_id AS region, o.id AS offsite
                FROM cases_offsiterecord o
                WHERE o.status = 'inspection_requested' AND o.id > {self.base_offsite_floor()}
            ) r, {self.inspection_state()}
            """
        )

    def base_offsite_floor(self) -> int:
        return self.offsite_floor

    def findings(self) -> int:
        violation_types = self.execute_fetch("SELECT id FROM cases_violationtype ORDER BY id")
        types = "ARRAY[" + ",".join(str(row[0]) for row in violation_types) + "]::bigint[]"
        nt = max(1, len(violation_types))
        m = md5(self.seed, "finding", "i.id || ':' || k")
        return self.execute(
            f"""
            INSERT INTO cases_finding (description, severity, corrected_on_spot, status,
                corrected_on, found_on, carried_from_id, enterprise_id, violation_type_id,
                inspection_id, verified_by_id)
            SELECT '现场发现问题' || k,
                   (ARRAY['minor', 'general', 'serious'])[1 + {n("h.m", 0, 3)}],
                   {u("h.m", 1)} < 0.2,
                   CASE WHEN i.inspected_on + 20 <= {self.end} THEN 'corrected' ELSE 'open' END,
                   CASE WHEN i.inspected_on + 20 <= {self.end} THEN i.inspected_on + 20 END,
                   i.inspected_on, NULL, i.enterprise_id,
                   {"NULL" if not violation_types else f"({types})[1 + {n('h.m', 2, nt)}]"},
                   i.id, NULL
            FROM cases_inspection i
            CROSS JOIN LATERAL generate_series(1, 1 + (i.id % 2)::int) k,
            LATERAL (SELECT {m} AS m OFFSET 0) h
            WHERE i.outcome IN ('rectification', 'case')
            """
        )

    # --- penalty cases -------------------------------------------------------
    def penalty_cases(self) -> int:
        self.case_floor = self.base_id("cases_penaltycase")
        base = self.case_floor
        sources = f"""
            SELECT 'inspection' AS source, i.id AS inspection, NULL::bigint AS offsite,
                   i.enterprise_id AS ent, i.region_id AS region, i.inspected_on AS discovered,
                   'i' || i.id AS key
            FROM cases_inspection i WHERE i.outcome = 'case'
            UNION ALL
            SELECT 'offsite', NULL, o.id, o.enterprise_id, o.region_id, o.detected_on, 'o' || o.id
            FROM cases_offsiterecord o
            WHERE o.status = 'case_opened' AND o.id > {self.base_offsite_floor()}
            UNION ALL
            SELECT (ARRAY['complaint', 'transfer', 'other'])[1 + g.i % 3], NULL, NULL, e.id,
                   e.region_id, {self.date_of(md5(self.seed, "case-d", "g.i"), 0)}, 'd' || g.i
            FROM generate_series(1, {self.plan.count("direct_cases")}) g(i)
            JOIN companies_enterprise e
              ON e.id = {self.enterprise_of(md5(self.seed, "case-e", "g.i"), 0)}
        """
        m1 = md5(self.seed, "case", "s.key")
        end = self.end
        return self.execute(
            f"""
            INSERT INTO cases_penaltycase (
                id, number, number_year, number_sequence, party_kind, source, source_reference,
                discovered_on, title, status, filed_on, notified_on, decided_on, served_on,
                closed_on, archived_on, filing_extended, decision_extensions, suspended_since,
                suspended_days, proposed_fine, heavy_penalty, hearing_offered,
                hearing_requested_on, hearing_held_on, statement_made, is_complex,
                legal_review_on, collective_discussion_on, recommended_fine, fine_amount,
                fine_reason, other_penalties, waiver_kind, commitment_letter, transfer_kind,
                payment_plan, payment_due_on, closing_reason, next_deadline_on,
                next_deadline_label, due_soon, overdue, created_at, updated_at, created_by_id,
                enterprise_id, region_id, source_inspection_id, source_offsite_record_id)
            SELECT {base} + row_number() OVER (ORDER BY c.key), NULL, NULL, NULL,
                   'organisation', c.source, '', c.discovered, '环境违法案件', c.status,
                   c.filed, CASE WHEN c.decided IS NOT NULL THEN c.decided - 15 END,
                   c.decided,
                   CASE WHEN c.status IN ('served', 'executing', 'closed', 'archived')
                        THEN c.decided + 5 END,
                   CASE WHEN c.status IN ('closed', 'archived') THEN c.decided + 40 END,
                   CASE WHEN c.status = 'archived' THEN c.decided + 60 END,
                   false, 0, NULL, 0,
                   CASE WHEN c.fine IS NOT NULL THEN c.fine END, coalesce(c.fine > 200000, false),
                   coalesce(c.fine > 200000, false), NULL, NULL, false, false, NULL, NULL,
                   c.fine, c.fine, '', '',
                   CASE WHEN c.status = 'no_penalty'
                        THEN (ARRAY['minor', 'first', 'no_fault'])[1 + c.n2 % 3] ELSE '' END,
                   '',
                   CASE WHEN c.status = 'transferred'
                        THEN (ARRAY['police', 'procuratorate'])[1 + c.n2 % 2] ELSE '' END,
                   'full', CASE WHEN c.fine IS NOT NULL THEN c.decided + 20 END,
                   CASE WHEN c.status IN ('closed', 'archived') THEN 'paid' ELSE '' END,
                   NULL, '', false, false,
                   (c.discovered + time '10:00') AT TIME ZONE '{TZ}', now(), NULL,
                   c.ent, c.region, c.inspection, c.offsite
            FROM (
                SELECT d.*,
                    CASE WHEN d.status IN ('decided', 'served', 'executing', 'closed', 'archived')
                         THEN round((5000 + 995000 * d.u3 ^ 4)::numeric, -2) END AS fine
                FROM (
                    SELECT p.*,
                        CASE
                            WHEN p.fc > {end} OR p.kind = 'clue' THEN 'clue'
                            WHEN p.kind = 'not_filed' THEN 'not_filed'
                            WHEN p.kind = 'transferred' THEN 'transferred'
                            WHEN p.dc > {end} THEN
                                (ARRAY['filed', 'investigating', 'investigating', 'review',
                                       'notified', 'legal_review', 'collective_discussion',
                                       'suspended'])[1 + p.n2 % 8]
                            WHEN p.kind = 'waived' THEN 'no_penalty'
                            WHEN {end} - p.dc > 240 THEN 'archived'
                            WHEN {end} - p.dc > 60 THEN 'closed'
                            WHEN {end} - p.dc > 25 THEN 'executing'
                            WHEN {end} - p.dc > 5 THEN 'served'
                            ELSE 'decided' END AS status,
                        CASE WHEN p.fc <= {end} AND p.kind NOT IN ('clue', 'not_filed')
                             THEN p.fc END AS filed,
                        CASE WHEN p.fc <= {end} AND p.dc <= {end}
                                  AND p.kind IN ('penalised', 'waived')
                             THEN p.dc END AS decided
                    FROM (
                        SELECT s.*, s.discovered + {n("h.m", 0, 15)} AS fc,
                               s.discovered + {n("h.m", 0, 15)} + 30 + {n("h.m", 1, 100)} AS dc,
                               {n("h.m", 1, 1000)} AS n2, {u("h.m", 3)} AS u3,
                               CASE WHEN {u("h.m", 2)} < 0.03 THEN 'clue'
                                    WHEN {u("h.m", 2)} < 0.07 THEN 'not_filed'
                                    WHEN {u("h.m", 2)} < 0.15 THEN 'waived'
                                    WHEN {u("h.m", 2)} < 0.17 THEN 'transferred'
                                    ELSE 'penalised' END AS kind
                        FROM ({sources}) s, LATERAL (SELECT {m1} AS m OFFSET 0) h
                    ) p
                ) d
            ) c
            """
        )

    def case_numbers(self) -> int:
        written = self.execute(
            f"""
            UPDATE cases_penaltycase c
            SET number_year = s.year, number_sequence = s.sequence,
                number = '冀环罚〔' || s.year || '〕' || s.sequence || '号'
            FROM (
                SELECT p.id, y.year,
                       coalesce(taken.last, 0)
                       + row_number() OVER (PARTITION BY y.year ORDER BY p.filed_on, p.id)
                       AS sequence
                FROM cases_penaltycase p
                CROSS JOIN LATERAL (SELECT extract(year FROM p.filed_on)::int AS year) y
                LEFT JOIN (
                    SELECT number_year, max(number_sequence) AS last FROM cases_penaltycase
                    WHERE number_year IS NOT NULL GROUP BY number_year
                ) taken ON taken.number_year = y.year
                WHERE p.id > {self.case_floor} AND p.filed_on IS NOT NULL
            ) s
            WHERE c.id = s.id
            """
        )
        self.execute(
            """
            INSERT INTO cases_casenumbercounter (year, last)
            SELECT number_year, max(number_sequence) FROM cases_penaltycase
            WHERE number_year IS NOT NULL GROUP BY number_year
            ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last
            """
        )
        return written

    def special_measures(self) -> int:
        m = md5(self.seed, "measure", "c.id")
        return self.execute(
            f"""
            INSERT INTO cases_specialmeasure (kind, "on", ends_on, extended_until,
                correction_served_on, reinspected_on, days, amount, note, updated_at, case_id,
                recorded_by_id)
            SELECT k.kind, k.day,
                   CASE WHEN k.kind IN ('seal_seize', 'production_restriction')
                        THEN k.day + 30 END,
                   NULL,
                   CASE WHEN k.kind = 'daily_penalty' THEN k.day - 10 END,
                   CASE WHEN k.kind = 'daily_penalty' THEN k.day - 1 END,
                   CASE WHEN k.kind = 'daily_penalty' THEN 9 END,
                   CASE WHEN k.kind = 'daily_penalty' THEN k.fine * 9 END,
                   '', now(), k.id, NULL
            FROM (
                SELECT c.id, c.fine_amount AS fine,
                       least(c.filed_on + 10 + {n("h.m", 1, 30)}, {self.end}) AS day,
                       (ARRAY['daily_penalty', 'seal_seize', 'seal_seize',
                              'production_restriction', 'production_restriction',
                              'detention_transfer', 'crime_transfer'])[1 + {n("h.m", 2, 7)}]
                           AS kind
                FROM cases_penaltycase c, LATERAL (SELECT {m} AS m OFFSET 0) h
                WHERE c.id > {self.case_floor} AND c.filed_on IS NOT NULL
                  AND c.status NOT IN ('no_penalty', 'transferred') AND {u("h.m", 0)} < 0.08
            ) k
            WHERE k.kind <> 'daily_penalty' OR k.fine IS NOT NULL
            """
        )

    # --- service -------------------------------------------------------------
    def visits(self) -> int:
        count = self.plan.count("visits")
        self.visit_floor = self.base_id("companies_visit")
        m = md5(self.seed, "visit", "g.i")
        return self.execute(
            f"""
            INSERT INTO companies_visit (id, visited_on, kind, measures, notes, created_at,
                updated_at, created_by_id, enterprise_id, region_id)
            SELECT q.id, q.day, q.kind, '', '', (q.day + time '17:00') AT TIME ZONE '{TZ}',
                   now(), NULL, e.id, e.region_id
            FROM (
                SELECT {self.visit_floor} + g.i AS id, {self.date_of("h.m", 0)} AS day,
                       (ARRAY['routine', 'routine', 'assistance', 'policy',
                              'follow_up'])[1 + {n("h.m", 1, 5)}] AS kind,
                       {self.enterprise_of(md5(self.seed, "visit-e", "g.i"), 0)} AS ent
                FROM generate_series(1, {count}) g(i), LATERAL (SELECT {m} AS m OFFSET 0) h
                OFFSET 0
            ) q JOIN companies_enterprise e ON e.id = q.ent
            """
        )

    def visit_cards(self) -> int:
        m = md5(self.seed, "visit-card", "v.id")
        return self.execute(
            f"""
            INSERT INTO companies_visitpolicycard (quantity, card_id, visit_id)
            SELECT 1 + {n("h.m", 1, 5)}, ({self.cards})[1 + ({n("h.m", 2, POLICY_CARDS)} + k)
                                                       % {POLICY_CARDS}], v.id
            FROM companies_visit v, LATERAL (SELECT {m} AS m OFFSET 0) h,
                 LATERAL generate_series(0, CASE WHEN {u("h.m", 0)} < 0.25 THEN 1
                                                 WHEN {u("h.m", 0)} < 0.7 THEN 0
                                                 ELSE -1 END) k
            WHERE v.id > {self.visit_floor}
            """
        )

    def symposiums(self) -> int:
        count = self.plan.count("symposiums", 5)
        self.symposium_floor = self.base_id("companies_symposium")
        counties = sql_text_array(self.counties)
        units = "ARRAY[" + ",".join(str(self.unit_of[c]) for c in self.counties) + "]::bigint[]"
        city_unit = self.unit_of[self.cities[0]]
        nc = len(self.counties)
        m = md5(self.seed, "symposium", "g.i")
        written = self.execute(
            f"""
            INSERT INTO companies_symposium (id, held_on, topic, location, notes, created_at,
                updated_at, created_by_id, host_unit_id, region_id)
            SELECT {self.symposium_floor} + g.i, {self.date_of("h.m", 0)}, '优化营商环境政企座谈会',
                   '', '', now(), now(), NULL,
                   CASE WHEN {u("h.m", 1)} < 0.2 THEN {city_unit}
                        ELSE ({units})[1 + {n("h.m", 2, nc)}] END,
                   CASE WHEN {u("h.m", 1)} < 0.2 THEN NULL
                        ELSE ({counties})[1 + {n("h.m", 2, nc)}] END
            FROM generate_series(1, {count}) g(i), LATERAL (SELECT {m} AS m OFFSET 0) h
            """
        )
        # Eight enterprises at each: distinct because 7919 is prime and > 8.
        self.execute(
            f"""
            INSERT INTO companies_symposium_enterprises (symposium_id, enterprise_id)
            SELECT s.id,
                   {self.ent_base} + 1
                   + ((s.id - {self.symposium_floor}) * 104729 + k * 7919) % {self.ent_count}
            FROM companies_symposium s, generate_series(1, 8) k
            WHERE s.id > {self.symposium_floor}
            ON CONFLICT DO NOTHING
            """
        )
        return written

    def demands(self) -> int:
        end = self.end
        occasions = f"""
            SELECT v.enterprise_id AS ent, v.region_id AS region, v.id AS visit,
                   NULL::bigint AS symposium, v.visited_on AS raised, 'v' || v.id AS key
            FROM companies_visit v
            WHERE v.id > {self.visit_floor}
              AND {u(md5(self.seed, "visit-demand", "v.id"), 0)} < 0.15
            UNION ALL
            SELECT se.enterprise_id, e.region_id, NULL, s.id, s.held_on,
                   's' || (s.id - {self.symposium_floor})
                   || ':' || (se.enterprise_id - {self.ent_base})
            FROM companies_symposium s
            JOIN companies_symposium_enterprises se ON se.symposium_id = s.id
            JOIN companies_enterprise e ON e.id = se.enterprise_id
            WHERE s.id > {self.symposium_floor}
              AND (s.id - {self.symposium_floor} + se.enterprise_id - {self.ent_base}) % 3 = 0
            UNION ALL
            SELECT e.id, e.region_id, NULL, NULL,
                   {self.date_of(md5(self.seed, "demand-d", "g.i"), 0)}, 'd' || g.i
            FROM generate_series(1, {self.plan.count("direct_demands")}) g(i)
            JOIN companies_enterprise e
              ON e.id = {self.enterprise_of(md5(self.seed, "demand-e", "g.i"), 0)}
        """
        m = md5(self.seed, "demand", "o.key")
        return self.execute(
            f"""
            INSERT INTO companies_demand (raised_on, category, description, due_on, status,
                overdue, started_on, resolved_on, resolution, unresolvable_on,
                unresolvable_reason, created_at, updated_at, created_by_id, enterprise_id,
                owner_id, region_id, symposium_id, visit_id)
            SELECT d.raised, d.category, '企业反映的问题', d.raised + 30, d.status, false,
                   CASE WHEN d.status <> 'open' THEN least(d.raised + 1, {end}) END,
                   CASE WHEN d.status = 'resolved' THEN d.closes END,
                   CASE WHEN d.status = 'resolved' THEN '已协调解决' ELSE '' END,
                   CASE WHEN d.status = 'unresolvable' THEN d.closes END,
                   CASE WHEN d.status = 'unresolvable' THEN '超出本部门职权范围' ELSE '' END,
                   (d.raised + time '18:00') AT TIME ZONE '{TZ}', now(), NULL, d.ent, d.owner,
                   d.region, d.symposium, d.visit
            FROM (
                SELECT o.*, h.closes,
                       (ARRAY['eia', 'permit', 'technique', 'finance', 'enforcement',
                              'other'])[1 + {n("h.m", 1, 6)}] AS category,
                       {self.officer_of("h.m", 2)} AS owner,
                       CASE WHEN h.closes <= {end} AND {u("h.m", 3)} < 0.80 THEN 'resolved'
                            WHEN h.closes <= {end} AND {u("h.m", 3)} < 0.87 THEN 'unresolvable'
                            WHEN {u("h.m", 3)} < 0.95 THEN 'in_progress'
                            ELSE 'open' END AS status
                FROM ({occasions}) o,
                     LATERAL (SELECT {m} AS m OFFSET 0) h0,
                     LATERAL (SELECT h0.m, o.raised + 5 + {n("h0.m", 0, 60)} AS closes) h
            ) d
            """
        )

    def feedback(self) -> int:
        link_floor = self.base_id("cases_feedbacklink")
        subjects = f"""
            SELECT v.id AS visit, NULL::bigint AS inspection, v.enterprise_id AS ent,
                   v.region_id AS region, v.visited_on AS day
            FROM companies_visit v
            WHERE v.id > {self.visit_floor}
              AND {u(md5(self.seed, "visit-link", "v.id"), 0)} < 0.12
            UNION ALL
            SELECT NULL, i.id, i.enterprise_id, i.region_id, i.inspected_on
            FROM cases_inspection i
            WHERE i.status = 'completed'
              AND {u(md5(self.seed, "inspection-link", "i.id"), 0)} < 0.03
              AND i.id > {self.inspection_floor}
        """
        links = self.execute(
            f"""
            INSERT INTO cases_feedbacklink (id, token_hash, created_at, expires_at, used_at,
                revoked_at, created_by_id, enterprise_id, inspection_id, region_id, visit_id)
            SELECT l.id, md5('{self.seed}:link:' || l.id) || md5('{self.seed}:token:' || l.id),
                   l.at, l.at + interval '30 days', l.at + interval '1 hour', NULL, NULL,
                   l.ent, l.inspection, l.region, l.visit
            FROM (
                SELECT {link_floor} + row_number() OVER (ORDER BY s.visit, s.inspection) AS id,
                       s.*, (s.day + time '12:00') AT TIME ZONE '{TZ}' AS at
                FROM ({subjects}) s
            ) l
            """
        )
        m = md5(self.seed, "feedback", "l.id")
        self.execute(
            f"""
            INSERT INTO cases_feedback (kind, rating, comment, contact, submitted_on,
                submitted_at, status, taken_on, reply, replied_on, closed_on, updated_at,
                enterprise_id, handler_id, inspection_id, region_id, visit_id, link_id)
            SELECT f.kind,
                   CASE WHEN f.kind = 'rating' THEN 3 + {n("f.m", 1, 3)} END,
                   '', '', f.day, l.used_at,
                   CASE WHEN f.kind = 'rating' THEN ''
                        WHEN f.closed THEN 'closed'
                        ELSE (ARRAY['new', 'handling'])[1 + {n("f.m", 2, 2)}] END,
                   CASE WHEN f.closed THEN f.day + 1 END,
                   CASE WHEN f.closed THEN '已核实并答复' ELSE '' END,
                   CASE WHEN f.closed THEN f.day + 5 END,
                   CASE WHEN f.closed THEN f.day + 6 END,
                   now(), l.enterprise_id, NULL, l.inspection_id,
                   l.region_id, l.visit_id, l.id
            FROM cases_feedbacklink l,
                 LATERAL (SELECT {m} AS m, (l.used_at AT TIME ZONE '{TZ}')::date AS day) h,
                 LATERAL (SELECT h.m, h.day,
                                 CASE WHEN {u("h.m", 0)} < 0.04 THEN 'complaint'
                                      ELSE 'rating' END AS kind,
                                 {u("h.m", 0)} < 0.04 AND {u("h.m", 3)} < 0.6 AS closed) f
            WHERE l.id > {link_floor}
            """
        )
        return links
