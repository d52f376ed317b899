"""Compress the cells' id lists with LZ4 where the server offers it.

The lists are written once per build and are large (millions of ids per
snapshot at province size); PostgreSQL's default compression (pglz) costs a
build a third of its time. A server built without LZ4 keeps the default.
"""

from django.db import migrations

COLUMNS = ("record_ids", "previous_record_ids")


def _lz4_available(cursor) -> bool:
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def _set_compression(method: str):
    def apply(apps, schema_editor):
        with schema_editor.connection.cursor() as cursor:
            if method == "lz4" and not _lz4_available(cursor):
                return
            table = schema_editor.quote_name("stats_snapshotcell")
            columns = ", ".join(
                f"ALTER COLUMN {schema_editor.quote_name(column)} SET COMPRESSION {method}"
                for column in COLUMNS
            )
            cursor.execute(f"ALTER TABLE {table} {columns}")

    return apply


class Migration(migrations.Migration):
    dependencies = [("stats", "0003_cell_record_counts")]

    operations = [migrations.RunPython(_set_compression("lz4"), _set_compression("default"))]
