"""The case state diagram, generated from cases.workflow.TRANSITIONS (Mermaid)."""

from __future__ import annotations

from cases.choices import CaseStatus
from cases.workflow import TERMINAL, TRANSITIONS

BEGIN = "<!-- state-diagram:begin -->"
END = "<!-- state-diagram:end -->"


def mermaid_state_diagram() -> str:
    lines = ["```mermaid", "stateDiagram-v2", "    direction TB"]
    for status in CaseStatus:
        lines.append(f'    state "{status.label} ({status.value})" as {status.value}')
    lines.append(f"    [*] --> {CaseStatus.CLUE.value}")
    for (source, target), step in TRANSITIONS.items():
        roles = "/".join(sorted(role.value for role in step.roles))
        lines.append(f"    {source.value} --> {target.value}: {step.label} [{roles}]")
    for status in sorted(TERMINAL, key=lambda s: list(CaseStatus).index(s)):
        lines.append(f"    {status.value} --> [*]")
    lines.append("```")
    return "\n".join(lines)


def replace_diagram(text: str) -> str:
    """``text`` with the block between the markers replaced by the current diagram."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return f"{text[:start]}\n{mermaid_state_diagram()}\n{text[end:]}"
