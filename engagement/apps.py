from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = "Engagement"

    def ready(self) -> None:
        from engagement.ingest.pseudonym_key import record_after_migrate
        from engagement.ladder import tasks  # noqa: F401 (connects the recompute on publishing)
        from engagement.roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self)
        post_migrate.connect(record_after_migrate, sender=self)
