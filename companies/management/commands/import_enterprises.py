"""``manage.py import_enterprises FILE``: import enterprises from a CSV or XLSX file.

The rows go through ``companies.imports.import_enterprises``, the service
behind the admin upload and ``POST /api/v1/enterprises/import/``, so they obey
the same rules. ``--user`` imports as that officer, within their regions;
without it the import is a system import that may write in any county-level
region. The exit status is non-zero when the file was refused (a file error,
or refused rows in the default all-or-nothing mode).
"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from companies.imports import CHUNK_SIZE, ImportFileError, import_enterprises


class Command(BaseCommand):
    help = "从 CSV 或 XLSX 文件批量导入企业（按统一社会信用代码新增或更新）"

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help="CSV（UTF-8 或 GBK）或 XLSX 文件，第 1 行为表头"
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="导入无误的行并跳过有错误的行（默认：任何一行有错则整个文件不导入）",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="以该账号导入，只能导入其管辖区划内的企业（默认：系统导入，不限区划）",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=CHUNK_SIZE,
            metavar="N",
            help=f"每处理 N 行输出一次进度（默认 {CHUNK_SIZE}）",
        )

    def handle(self, *args, file: Path, partial: bool, user: str | None, **options):
        importer = None
        if user:
            try:
                importer = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"账号 {user} 不存在") from None
        if not file.is_file():
            raise CommandError(f"文件不存在：{file}")
        if options["progress_every"] < 1:
            raise CommandError("--progress-every 应为正整数")

        started = time.monotonic()

        def progress(processed: int, total: int) -> None:
            if not processed:
                self.stdout.write(f"共 {total} 行，开始导入……")
                return
            elapsed = max(time.monotonic() - started, 1e-6)
            self.stdout.write(
                f"已处理 {processed}/{total} 行（{processed * 100 // max(total, 1)}%），"
                f"{processed / elapsed:.0f} 行/秒"
            )

        with file.open("rb") as handle:
            try:
                result = import_enterprises(
                    file=handle,
                    file_name=file.name,
                    user=importer,
                    partial=partial,
                    progress=progress,
                    chunk_size=options["progress_every"],
                )
            except ImportFileError as exc:
                raise CommandError(f"{exc.message}（{exc.code}）") from None
        elapsed = time.monotonic() - started

        for item in result.errors:
            where = f"第 {item['row']} 行" if item["row"] else "文件"
            column = f"［{item['column']}］" if item["column"] else ""
            self.stdout.write(f"{where}{column} {item['message']}（{item['code']}）")
        if result.ignored_columns:
            self.stdout.write(f"未识别、已忽略的列：{'、'.join(result.ignored_columns)}")
        if result.refused:
            raise CommandError(
                f"{result.error_rows} 行未通过校验，整个文件未导入（可加 --partial 只导入无误的行）"
            )
        rate = result.total_rows / elapsed if elapsed else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成：新增 {result.created} 家，更新 {result.updated} 家"
                f"（其中 {result.unchanged} 家无变化），跳过 {result.error_rows} 行；"
                f"用时 {elapsed:.2f} 秒，{rate:.0f} 行/秒"
            )
        )
