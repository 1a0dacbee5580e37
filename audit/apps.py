from django.apps import AppConfig
from django.db.models.signals import m2m_changed


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from audit import recording

        # Every many-to-many relation, so one added later (a user's forces) is recorded too.
        m2m_changed.connect(recording.relation_changed, dispatch_uid="audit-m2m")
        recording.connect_tokens()
