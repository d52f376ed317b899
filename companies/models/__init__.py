"""Models of the companies app, re-exported so ``from companies.models import X`` works.

``registry``: who is regulated (industries, enterprises, the positive list,
imports). ``service``: how they are served (policy cards, visits, demands,
symposiums).
"""

from accounts.models import Region
from companies.models.registry import Enterprise, EnterpriseImport, Industry, PositiveListEntry
from companies.models.service import (
    Demand,
    DemandTransition,
    PolicyCard,
    Symposium,
    Visit,
    VisitPolicyCard,
)

__all__ = [
    "Demand",
    "DemandTransition",
    "Enterprise",
    "EnterpriseImport",
    "Industry",
    "PolicyCard",
    "PositiveListEntry",
    "Region",
    "Symposium",
    "Visit",
    "VisitPolicyCard",
]
