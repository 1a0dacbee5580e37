"""What the recompute tells the layers above it.

`figures_published` is sent once a run's snapshot has become the published figures of its
definition (never for a preview), with `snapshot_id`, `definition_version` and `current` (whether
that version is the current definition): reports scheduled "after each nightly recompute" go out
then.
"""

from django.dispatch import Signal

figures_published = Signal()
