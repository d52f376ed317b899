from pathlib import Path

from django.conf import settings

from cases.diagram import mermaid_state_diagram
from cases.workflow import TRANSITIONS


def test_docs_diagram_matches_the_transition_table():
    docs = (Path(settings.BASE_DIR) / "docs" / "cases.md").read_text(encoding="utf-8")
    assert mermaid_state_diagram() in docs, "run: manage.py case_diagram --write"


def test_every_transition_is_drawn():
    diagram = mermaid_state_diagram()
    for source, target in TRANSITIONS:
        assert f"    {source.value} --> {target.value}: " in diagram
