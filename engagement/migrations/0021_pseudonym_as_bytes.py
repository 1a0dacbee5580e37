"""The pseudonym stored as the 32 bytes of its HMAC-SHA256 instead of 64 hex characters.

Existing rows are converted in place (hex to bytes; the reverse turns them back into hex), so
every citizen keeps its id and every interaction its citizen. On PostgreSQL one ALTER rewrites
the table and rebuilds its unique index; on SQLite the table is rebuilt (as Django alters a column
there) and the values converted row by row.
"""

from django.db import migrations, models

TABLE = "engagement_citizen"


def _alter(apps, schema_editor, *, to_bytes: bool) -> None:
    model = apps.get_model("engagement", "Citizen")
    if schema_editor.connection.vendor == "postgresql":
        kind, using = ("bytea", "decode") if to_bytes else ("varchar(64)", "encode")
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN pseudonym TYPE {kind} "
            f"USING {using}(pseudonym, 'hex')"
        )
        return
    text = models.CharField(max_length=64)
    binary = models.BinaryField(max_length=32)
    for field in (text, binary):
        field.set_attributes_from_name("pseudonym")
        field.model = model
    if to_bytes:
        schema_editor.alter_field(model, text, binary)
        _convert(schema_editor, bytes.fromhex)
    else:
        _convert(schema_editor, lambda value: bytes(value).hex())
        schema_editor.alter_field(model, binary, text)


def _convert(schema_editor, convert) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, pseudonym FROM {TABLE}")
        rows = [(convert(pseudonym), pk) for pk, pseudonym in cursor.fetchall()]
        cursor.executemany(f"UPDATE {TABLE} SET pseudonym = %s WHERE id = %s", rows)


def to_bytes(apps, schema_editor) -> None:
    _alter(apps, schema_editor, to_bytes=True)


def to_hex(apps, schema_editor) -> None:
    _alter(apps, schema_editor, to_bytes=False)


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0020_stale_citizens"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="citizen",
                    name="pseudonym",
                    field=models.BinaryField(max_length=32, help_text="HMAC-SHA256, 32 bytes."),
                ),
            ],
            database_operations=[migrations.RunPython(to_bytes, to_hex)],
        ),
    ]
