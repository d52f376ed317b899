"""``manage.py sync_calendar [--force] [--dry-run]``: update the working-day
calendar from the installed chinese-calendar package.

Run it after upgrading the package: the years the package knows are added or
brought up to date (``source=package``). A year an administrator entered by
hand from the State Council's notice (``source=manual``) is left alone and its
differences from the package are listed; ``--force`` replaces it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cases.calendar_services import YearSync, calendar_sync_from_package, package_version
from cases.workdays import known_years


def _days(days) -> str:
    shown = "、".join(f"{d:%m-%d}" for d in days[:8])
    return shown + (f" 等 {len(days)} 天" if len(days) > 8 else "")


def describe(sync: YearSync) -> str:
    parts = []
    if sync.added:
        parts.append(f"新增 {_days(sync.added)}")
    if sync.changed:
        parts.append(f"修改 {_days(sync.changed)}")
    if sync.removed:
        parts.append(f"删除 {_days(sync.removed)}")
    return "；".join(parts)


class Command(BaseCommand):
    help = "从已安装的 chinese-calendar 软件包同步节假日与调休安排（不覆盖管理员录入的年度）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="覆盖管理员手工录入（来源为“管理员”）的年度"
        )
        parser.add_argument("--dry-run", action="store_true", help="只列出变化，不写入")

    def handle(self, *args, force: bool, dry_run: bool, **options):
        results = calendar_sync_from_package(force=force, dry_run=dry_run)
        years = [sync.year for sync in results]
        self.stdout.write(
            f"chinese-calendar {package_version()}：收录 {min(years)}—{max(years)} 年"
            if years
            else f"chinese-calendar {package_version()}：未收录任何年度"
        )
        unchanged = 0
        for sync in results:
            if sync.action == "added":
                self.stdout.write(self.style.SUCCESS(f"{sync.year} 年：新增年度，{describe(sync)}"))
            elif sync.action == "updated":
                detail = describe(sync) or "来源改为软件包"
                self.stdout.write(self.style.SUCCESS(f"{sync.year} 年：已更新，{detail}"))
            elif sync.action == "kept_manual":
                detail = f"与软件包不同：{describe(sync)}" if sync.differs else "与软件包一致"
                self.stdout.write(
                    self.style.WARNING(
                        f"{sync.year} 年：管理员录入，未覆盖（{detail}；如需覆盖请加 --force）"
                    )
                )
            else:
                unchanged += 1
        if unchanged:
            self.stdout.write(f"{unchanged} 个年度无变化")
        if dry_run:
            self.stdout.write(self.style.NOTICE("试运行：未写入任何数据"))
        recorded = known_years()
        if recorded:
            following = max(recorded) + 1
            self.stdout.write(
                f"已录入年度：{min(recorded)}—{max(recorded)} 年；"
                f"{following} 年节假日安排发布后，请在管理后台“节假日安排年度”中录入"
            )
