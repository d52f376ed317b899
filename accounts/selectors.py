"""Reads about who may see what.

``visible_region_codes`` is the one place that decides a user's region scope;
every list, detail, form, autocomplete and export goes through
``restrict_to_regions`` (or reads the codes from here).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.choices import RegionLevel
from accounts.models import Officer, Region
from accounts.roles import Role

_CACHE_ATTR = "_ecoenforce_region_codes"


def officer_of(user) -> Officer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.officer
    except Officer.DoesNotExist:
        return None


def scope_roots(user) -> list[Region] | None:
    """The regions a user's scope is rooted at; ``None`` means the whole city."""
    if getattr(user, "is_superuser", False):
        return None
    officer = officer_of(user)
    if officer is None:
        return []
    roots = list(officer.regions.all())
    if not roots and officer.unit_id is not None:
        roots = list(officer.unit.regions.all())
    return roots or None


def visible_region_codes(user) -> frozenset[str] | None:
    """Codes of every region the user may see, descendants included.

    ``None`` means unrestricted: superusers, staff without regions, and staff
    whose regions take in every county-level region of the installation (the
    city detachment of a one-city installation, whose scope names the city):
    they see the whole installation, records without a region (a city-wide
    symposium) included, and read the whole installation's statistics. A
    user with no officer profile sees nothing. The answer is cached on the
    user object for the request.
    """
    cached = getattr(user, _CACHE_ATTR, False)
    if cached is not False:
        return cached
    roots = scope_roots(user)
    if roots is None:
        codes = None
    elif not roots:
        codes = frozenset()
    else:
        # The whole tree in one query (a province is a few hundred rows), so
        # the question "does the scope take in every county?" costs nothing more.
        prefixes = tuple(root.path for root in roots)
        inside, counties = set(), set()
        for code, path, level in Region.objects.values_list("code", "path", "level"):
            if level == RegionLevel.COUNTY:
                counties.add(code)
            if path.startswith(prefixes):
                inside.add(code)
        codes = None if counties and counties <= inside else frozenset(inside)
    if getattr(user, "is_authenticated", False):
        setattr(user, _CACHE_ATTR, codes)
    return codes


def takes_in_every_county(code: str) -> bool:
    """Whether the region's subtree holds every county-level region of the
    installation (the city of a one-city installation): its numbers are the
    installation's."""
    path = Region.objects.filter(code=code).values_list("path", flat=True).first()
    if path is None:
        return False
    return (
        not Region.objects.filter(level=RegionLevel.COUNTY).exclude(path__startswith=path).exists()
    )


def restrict_to_regions(queryset: QuerySet, user, region_field: str = "region") -> QuerySet:
    """Keep only rows whose ``region_field`` lies in the user's scope."""
    codes = visible_region_codes(user)
    if codes is None:
        return queryset
    return queryset.filter(**{f"{region_field}__in": codes})


def region_visible(user, code: str) -> bool:
    codes = visible_region_codes(user)
    return codes is None or code in codes


def user_roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    names = {group.name for group in user.groups.all()}
    return {role.value for role in Role if role.value in names}


def officer_list(*, user) -> QuerySet[Officer]:
    """Officers visible to ``user``: city staff see all; others their regions' units."""
    queryset = Officer.objects.select_related("user", "unit").prefetch_related(
        "regions", "user__groups"
    )
    codes = visible_region_codes(user)
    if codes is None:
        return queryset
    return queryset.filter(
        Q(regions__code__in=codes) | Q(unit__regions__code__in=codes) | Q(user=user)
    ).distinct()
