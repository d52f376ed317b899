from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "执法"

    def ready(self) -> None:
        from cases.models import CalendarDay, CalendarYear
        from cases.workdays import calendar_changed

        # Cache invalidation only: the working-day calendar is kept per
        # process (cases.workdays) and must be re-read once an administrator
        # changes it.
        for model in (CalendarDay, CalendarYear):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    calendar_changed,
                    sender=model,
                    dispatch_uid=f"cases.calendar_changed.{name}.{model.__name__}",
                )
