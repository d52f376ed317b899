from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "人员与行政区划"

    def ready(self) -> None:
        from accounts.roles import sync_role_permissions

        # Permissions of new models exist only after migrate; give each role
        # its permissions then, from the one table in accounts/roles.py.
        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_roles")
