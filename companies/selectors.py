"""Reads of the enterprise registry and the service records, always through the
user's region scope."""

from __future__ import annotations

from django.db.models import Exists, F, Lookup, OuterRef, Prefetch, Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

from accounts.models import Officer, Unit
from accounts.selectors import restrict_to_regions, visible_region_codes
from companies.models import (
    Demand,
    Enterprise,
    PolicyCard,
    Symposium,
    Visit,
    VisitPolicyCard,
)
from companies.validators import USCC_CHARSET


def enterprise_list(*, user, filters: dict | None = None) -> QuerySet[Enterprise]:
    """Enterprises the user may see, filtered by ``EnterpriseFilter`` when given."""
    from companies.filters import EnterpriseFilter

    queryset = restrict_to_regions(Enterprise.objects.select_related("region", "industry"), user)
    if filters is not None:
        queryset = EnterpriseFilter(filters, queryset=queryset).qs
    return queryset


def enterprise_get(*, user, pk: int) -> Enterprise:
    """One enterprise in the user's scope; Enterprise.DoesNotExist otherwise."""
    return enterprise_list(user=user).get(pk=pk)


# --- service to enterprises (走访解促) ------------------------------------------------


def visit_list(*, user, filters: dict | None = None) -> QuerySet[Visit]:
    """Visits in the user's regions (by the region stored on the visit)."""
    from companies.filters import VisitFilter

    queryset = restrict_to_regions(
        Visit.objects.select_related("enterprise", "region").prefetch_related(
            Prefetch("officers", queryset=Officer.objects.order_by("name", "id")),
            Prefetch("card_rows", queryset=VisitPolicyCard.objects.select_related("card")),
        ),
        user,
    )
    if filters is not None:
        queryset = VisitFilter(filters, queryset=queryset).qs
    return queryset


def demand_list(*, user, filters: dict | None = None) -> QuerySet[Demand]:
    """Demands in the user's regions (by the region stored on the demand)."""
    from companies.filters import DemandFilter

    queryset = restrict_to_regions(
        Demand.objects.select_related("enterprise", "region", "owner"), user
    )
    if filters is not None:
        queryset = DemandFilter(filters, queryset=queryset).qs
    return queryset


def symposium_visibility(user) -> Q | None:
    """Who sees a symposium: ``None`` for everybody's (city-level staff).

    A county officer sees a symposium when any of these lies in their
    regions: the region it was held for, a region of the host unit, or an
    attending enterprise. So a brigade sees its own meetings and every
    city-wide meeting its enterprises attended, and nothing else. Each
    condition is an EXISTS or an indexed column, so the list needs no
    DISTINCT.
    """
    codes = visible_region_codes(user)
    if codes is None:
        return None
    host_regions = Unit.regions.through.objects.filter(
        unit_id=OuterRef("host_unit_id"), region_id__in=codes
    )
    attendees = Symposium.enterprises.through.objects.filter(
        symposium_id=OuterRef("pk"), enterprise__region_id__in=codes
    )
    return Q(region_id__in=codes) | Exists(host_regions) | Exists(attendees)


def symposium_list(*, user, filters: dict | None = None) -> QuerySet[Symposium]:
    """Symposiums the user may see (``symposium_visibility``), with attendees and
    the ids of the demands raised there that lie in the user's regions."""
    from companies.filters import SymposiumFilter

    queryset = Symposium.objects.select_related("host_unit", "region").prefetch_related(
        Prefetch(
            "enterprises",
            queryset=Enterprise.objects.order_by("name", "id").only("id", "name", "region_id"),
        ),
        Prefetch(
            "demands",
            queryset=restrict_to_regions(Demand.objects.only("id", "symposium_id"), user),
        ),
    )
    visible = symposium_visibility(user)
    if visible is not None:
        queryset = queryset.filter(visible)
    if filters is not None:
        queryset = SymposiumFilter(filters, queryset=queryset).qs
    return queryset


def policy_card_list(*, filters: dict | None = None) -> QuerySet[PolicyCard]:
    """The managed list of policy cards; everybody with the right may read all of it."""
    queryset = PolicyCard.objects.all()
    if filters is not None:
        from companies.filters import PolicyCardFilter

        queryset = PolicyCardFilter(filters, queryset=queryset).qs
    return queryset


# --- Search: the admin's search box and the API's ?q= ------------------------


class _ILikeContains(Lookup):
    """``column ILIKE '%term%'``, which the trigram index on the name serves.

    Django's ``icontains`` compiles to ``UPPER(name) LIKE UPPER(…)``, an
    expression the ``enterprise_name_trgm`` GIN index does not cover: on
    2,000,000 enterprises it is a 470 ms sequential scan, ILIKE 20–40 ms.
    """

    lookup_name = "ilike_contains"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [f"%{connection.ops.prep_for_like_query(value)}%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


def _uscc_prefix_range(prefix: str) -> Q | None:
    """``uscc`` starting with ``prefix``, as a condition the unique index can serve.

    ``LIKE 'prefix%'`` cannot use the btree index on ``uscc`` unless the
    database collation is C; a range can, in any collation that orders digits
    before capitals and capitals alphabetically (all do). Terms that cannot
    start a code (Chinese, lowercase-only words are upper-cased first) give
    ``None``.
    """
    if not prefix or any(char not in USCC_CHARSET for char in prefix):
        return None
    if len(prefix) == 18:
        return Q(uscc=prefix)
    # The charset has no Z, so the next character always exists.
    ordered = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    upper = prefix[:-1] + ordered[ordered.index(prefix[-1]) + 1]
    return Q(uscc__gte=prefix, uscc__lt=upper)


def search_name_or_uscc(queryset, search_term: str):
    """Every word of ``search_term`` in the name, or the code starting with it."""
    for word in smart_split(search_term):
        if word[0] in "\"'" and word[0] == word[-1]:
            word = unescape_string_literal(word)
        word = word.strip()
        if not word:
            continue
        condition = Q(_ILikeContains(F("name"), word))
        uscc = _uscc_prefix_range(word.upper())
        queryset = queryset.filter(condition | uscc if uscc is not None else condition)
    return queryset
