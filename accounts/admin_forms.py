"""Admin forms that write through a service, so the admin obeys the same rules.

The admin validates a form, then saves it; a service validates and saves in
one call. To show a service's refusal on the form fields (in its own
words), ``ServiceModelForm`` runs the service once during validation inside
a savepoint that is always rolled back, a dry run; when the whole page is
valid the admin's ``save_model`` runs it for real. Nothing is written while
any part of the page is invalid, and the rules stay in the service.
"""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.db.models import Model

from ecoenforce.errors import DomainError


class _DryRun(Exception):
    """Raised inside the savepoint to roll the dry run back."""


class ServiceModelForm(forms.ModelForm):
    """A ModelForm whose ``call_service`` performs the write.

    Subclasses implement ``call_service()`` from ``cleaned_data``,
    ``self.instance`` (the object being changed, unsaved changes applied) and
    ``self.request``. The model's own ``clean()`` and constraints are checked
    first as in any ModelForm; the service's dry run follows only when they
    pass. A service error naming a field that is not on the form is shown
    above the form.
    """

    request = None  # set by ServiceAdminMixin.get_form
    # A service's field name → this form's field, where they differ.
    field_aliases: dict[str, str] = {}

    def call_service(self) -> Model:
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            with transaction.atomic():
                self.call_service()
                raise _DryRun
        except _DryRun:
            pass
        except DomainError as exc:
            for item in exc.items:
                field = self.field_aliases.get(item.field, item.field)
                field = field if field in self.fields else None
                self.add_error(field, item.message)


class ServiceAdminMixin:
    """Saves a ``ServiceModelForm`` through its service instead of ``form.save()``."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # modelform_factory made a new class for this request: safe to annotate.
        form.request = request
        return form

    def save_model(self, request, obj, form, change):
        saved = form.call_service()
        # The admin goes on with ``obj`` (its log entry, the redirect), so it
        # takes over the saved row's values, its primary key above all.
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_related(self, request, form, formsets, change):
        # The service has set the form's many-to-many fields; inlines are saved as usual.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
