"""Create the role groups. Their permissions are set after every migrate from accounts/roles.py."""

from django.db import migrations

ROLES = [
    "inspector",
    "legal_reviewer",
    "approver",
    "manager",
    "administrator",
    "reporting_client",
    "monitoring_platform",
]


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLES, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_seed_langfang_regions"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create, remove)]
