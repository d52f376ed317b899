from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from cases.diagram import mermaid_state_diagram, replace_diagram


class Command(BaseCommand):
    help = "打印案件流转状态图（Mermaid），或用 --write 更新 docs/cases.md 中的状态图"

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="写入 docs/cases.md")

    def handle(self, *args, write: bool = False, **options):
        if not write:
            self.stdout.write(mermaid_state_diagram())
            return
        path = Path(settings.BASE_DIR) / "docs" / "cases.md"
        path.write_text(replace_diagram(path.read_text(encoding="utf-8")), encoding="utf-8")
        self.stdout.write(f"updated {path.relative_to(settings.BASE_DIR)}")
