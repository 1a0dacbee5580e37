"""What publishing a definition tells the layers above it.

Publishing a version must start a recompute under it, but the recompute sits above the
definitions (it reads them), so the definitions announce the event and the recompute's entry
point (engagement.ladder.tasks) listens. The signal is sent inside the publishing transaction,
so what a listener writes (the queued run) commits or rolls back with the publication.
"""

from django.dispatch import Signal

# Sent with `definition` (the newly published EngagementDefinition) and `user` (who published it).
definition_published = Signal()
