# Local lenses: a definition version scoped to one force, numbered and published per scope.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0004_distribution_platform_scope"),
        ("forces", "0002_load_forces"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LocalLens",
            fields=[],
            options={
                "verbose_name": "local lens",
                "ordering": ["force__name", "-version"],
                "proxy": True,
                "default_manager_name": "objects",
                "indexes": [],
                "constraints": [],
            },
            bases=("engagement.engagementdefinition",),
        ),
        migrations.RemoveConstraint(
            model_name="engagementdefinition",
            name="one_published_definition",
        ),
        migrations.AddField(
            model_name="engagementdefinition",
            name="force",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty for the shared definition; a force for that force's local lens.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="forces.force",
            ),
        ),
        migrations.AlterField(
            model_name="engagementdefinition",
            name="version",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="engagementdefinition",
            constraint=models.UniqueConstraint(
                condition=models.Q(("force__isnull", True), ("status", "published")),
                fields=("status",),
                name="one_published_definition",
                violation_error_message="Only one definition can be published at a time.",
            ),
        ),
        migrations.AddConstraint(
            model_name="engagementdefinition",
            constraint=models.UniqueConstraint(
                condition=models.Q(("force__isnull", False), ("status", "published")),
                fields=("force",),
                name="one_published_lens_per_force",
                violation_error_message="A force has one published local lens at a time.",
            ),
        ),
        migrations.AddConstraint(
            model_name="engagementdefinition",
            constraint=models.UniqueConstraint(
                condition=models.Q(("force__isnull", True)),
                fields=("version",),
                name="shared_definition_version_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="engagementdefinition",
            constraint=models.UniqueConstraint(
                condition=models.Q(("force__isnull", False)),
                fields=("force", "version"),
                name="lens_version_unique",
            ),
        ),
    ]
