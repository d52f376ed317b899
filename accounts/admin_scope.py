"""Region scope for admin pages, and a paginator that never counts millions of rows.

Every admin page of a record that lies in a region mixes in
``RegionScopedAdminMixin``: lists, change forms, foreign-key choices and the
autocompletes all go through ``accounts.selectors.restrict_to_regions``, so a
county brigade's officer sees and picks only their regions' records in the
admin exactly as in the API, and a record outside the scope answers 404.

Admins of reference data that anybody may read (regions, units, industries)
mix in only ``ScopedChoicesMixin``: their own lists are complete, but the
choices they offer in forms and autocompletes are still scoped.
"""

from __future__ import annotations

import json

from django.apps import apps
from django.contrib.admin.exceptions import NotRegistered
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.functional import cached_property

from accounts.models import Region
from accounts.selectors import restrict_to_regions

OUT_OF_SCOPE_MESSAGE = "记录不存在或不在您的管辖范围内"


def autocomplete_source(request, admin_site):
    """The (admin, field) an autocomplete request asks choices for, else ``None``.

    Django's autocomplete view names the *source* field in the query string
    (``app_label``, ``model_name``, ``field_name``) and then asks the admin of
    the *target* model for search results; the target admin uses this to ask
    the source admin which choices that field may offer.
    """
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name != f"{admin_site.name}:autocomplete":
        return None
    try:
        model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        field = model._meta.get_field(request.GET["field_name"])
        source_admin = admin_site.get_model_admin(model)
    except (KeyError, LookupError, FieldDoesNotExist, NotRegistered):
        return None
    return source_admin, field


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices limited to the user's regions.

    Applies to plain selects, autocomplete widgets (whose AJAX answers come
    from the *target* model's admin, see ``get_search_results``) and the
    validation of a submitted value, which Django checks against the same
    queryset: a tampered POST naming an out-of-scope region is refused.

    ``related_choice_filters`` narrows a field's choices further, e.g.
    ``{"region": {"level": "county"}}`` for enterprises, which are registered
    in county-level regions only.
    """

    related_choice_filters: dict[str, dict] = {}

    def scope_related_queryset(self, request, queryset: QuerySet) -> QuerySet:
        """Restrict a queryset of any model to what the user may pick."""
        model = queryset.model
        if model is Region:
            return restrict_to_regions(queryset, request.user, "code")
        try:
            related_admin = self.admin_site.get_model_admin(model)
        except NotRegistered:
            return queryset
        if isinstance(related_admin, RegionScopedAdminMixin):
            return related_admin.scope_queryset(request, queryset)
        return queryset

    def limit_related_choices(self, request, db_field, queryset: QuerySet) -> QuerySet:
        queryset = self.scope_related_queryset(request, queryset)
        extra = self.related_choice_filters.get(db_field.name)
        if extra:
            queryset = queryset.filter(**extra)
        return queryset

    def _choices_queryset(self, db_field, request, using) -> QuerySet:
        queryset = self.get_field_queryset(using, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(using).all()
        return self.limit_related_choices(request, db_field, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._choices_queryset(db_field, request, kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._choices_queryset(db_field, request, kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        source = autocomplete_source(request, self.admin_site)
        if source is not None:
            source_admin, db_field = source
            if isinstance(source_admin, ScopedChoicesMixin):
                queryset = source_admin.limit_related_choices(request, db_field, queryset)
            else:
                queryset = self.scope_related_queryset(request, queryset)
        return queryset, may_have_duplicates


class RegionScopedAdminMixin(ScopedChoicesMixin):
    """An admin whose records each lie in a region: lists and pages are scoped.

    ``region_field`` is the path from the model to its region, ``"region"``
    for an enterprise, ``"enterprise__region"`` for a record about one.
    A record outside the user's regions does not exist for them: its change,
    history and delete pages answer 404, as the API does, rather than the
    admin's usual redirect with "perhaps it was deleted".
    """

    region_field = "region"

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        return restrict_to_regions(queryset, request.user, self.region_field)

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None) -> Model:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(OUT_OF_SCOPE_MESSAGE)
        return obj


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to ``exact_limit`` rows, estimates beyond.

    The admin's paginator asks for ``COUNT(*)`` of the filtered list on every
    page view. On the enterprise table of a province-size installation that
    reads millions of rows for a number nobody reads to the last digit.
    Here the planner's estimate (``EXPLAIN``: statistics only, no rows read)
    comes first; when it is beyond the limit it is the answer, shown as
    "约 N". Otherwise a bounded count, ``SELECT COUNT(*) FROM (SELECT …
    LIMIT n+1)``, gives the exact number, or, when it reaches the cap, the
    estimate again.

    Measured on 2,000,000 enterprises in ten counties (PostgreSQL 15, warm
    cache): a full ``COUNT(*)`` takes 57–82 ms unfiltered and grows with the
    table; with filters that leave most rows out it reads every matching
    row's page, e.g. one county's 200,000 enterprises filtered by a flag,
    600 ms counting only to 10,001 and 0.8 s counting to 100,001. ``EXPLAIN``
    takes under 1 ms. With the limit at 10,000 the counts people read (a
    filtered list, a search) stay exact, and no page view counts more than
    10,001 rows.

    Used with ``show_full_result_count = False`` so the changelist does not
    run a second, unfiltered count for its "N total" link.
    """

    exact_limit = 10_000
    template_name = "admin/estimated_pagination.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        unordered = queryset.order_by()
        estimate = planner_row_estimate(unordered)
        if estimate > self.exact_limit:
            self.estimated = True
            return estimate
        bounded = unordered[: self.exact_limit + 1].count()
        if bounded <= self.exact_limit:
            return bounded
        self.estimated = True
        return max(self.exact_limit + 1, estimate)

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        """Without the last pages when the total is an estimate: they may not exist."""
        pages = list(
            super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
        )
        if self.estimated and len(pages) > on_ends and pages[-on_ends - 1] == self.ELLIPSIS:
            pages = pages[:-on_ends]
        return pages


def planner_row_estimate(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of the rows ``queryset`` returns, without running it.

    A query Django knows to be empty (``pk__in=[]``) is never sent and
    explains as nothing: 0.
    """
    output = queryset.explain(format="json")
    if not output:
        return 0
    return int(json.loads(output)[0]["Plan"]["Plan Rows"])
