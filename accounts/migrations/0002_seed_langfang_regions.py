"""Seed the reference deployment's regions: Hebei, Langfang and its ten county-level units (GB/T 2260)."""

from django.db import migrations

PROVINCE = ("130000", "河北省")
CITY = ("131000", "廊坊市")
COUNTIES = [
    ("131002", "安次区"),
    ("131003", "广阳区"),
    ("131022", "固安县"),
    ("131023", "永清县"),
    ("131024", "香河县"),
    ("131025", "大城县"),
    ("131026", "文安县"),
    ("131028", "大厂回族自治县"),
    ("131081", "霸州市"),
    ("131082", "三河市"),
]


def seed(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    province, _ = Region.objects.update_or_create(
        code=PROVINCE[0],
        defaults={"name": PROVINCE[1], "level": "province", "parent": None, "path": "130000/"},
    )
    city, _ = Region.objects.update_or_create(
        code=CITY[0],
        defaults={"name": CITY[1], "level": "city", "parent": province, "path": "130000/131000/"},
    )
    for code, name in COUNTIES:
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": "county",
                "parent": city,
                "path": f"130000/131000/{code}/",
            },
        )


def unseed(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    Region.objects.filter(code__in=[code for code, _ in COUNTIES]).delete()
    Region.objects.filter(code=CITY[0]).delete()
    Region.objects.filter(code=PROVINCE[0], children__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
