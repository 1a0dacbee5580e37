"""Helpers for the ingestion tests: CSV files as bytes, and the held rows."""

import io
import time
from pathlib import Path

INTERACTION_HEADER = "force,channel,citizen,kind,occurred_at,external_id"
# What a problem says of a kind outside the default definition: the kinds it knows, never the value.
UNKNOWN_KIND = (
    "is not a kind of the current definition (v1: attend, campaign, co-design, follow, like, "
    "mention, message, reply, share, subscribe, unfollow, unsubscribe, view, volunteer)"
)


def csv_file(*lines: str, header: str = INTERACTION_HEADER) -> io.BytesIO:
    text = "\n".join([header, *lines]) + "\n" if header else "\n".join(lines)
    return io.BytesIO(text.encode())


EXAMPLES = Path(__file__).resolve().parent / "examples"


def examples_dir(name: str) -> Path:
    """A worked example of LADDER.md, shipped with the tests in tests/examples/."""
    return EXAMPLES / name


def held_rows() -> dict[str, int]:
    """What an import may write, counted: a refused import leaves every count as it was."""
    from engagement.models import Citizen, Interaction, StaleMonth
    from forces.models import Channel

    return {
        model.__name__: model.objects.count()
        for model in (Interaction, Citizen, StaleMonth, Channel)
    }


def background_uploads_into_kent(settings) -> None:
    """Uploads over 10 kB go to the worker, into kent's Twitter channel `tw` (the worker tests'
    setting; `settings` is pytest-django's fixture)."""
    from forces.models import Force
    from tests.factories import ChannelFactory

    settings.UPLOAD_BACKGROUND_BYTES = 10_000
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="tw", platform="twitter")


def imported_by_worker(batch, worker, timeout: float = 60):
    """The upload's batch once the worker has ended it, which must be a success (the worker's
    log if it is not)."""
    from engagement.models import ImportBatch

    deadline = time.monotonic() + timeout
    batch.refresh_from_db()
    while batch.in_progress and time.monotonic() < deadline:
        time.sleep(0.3)
        batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SUCCEEDED, worker.log.read_text()
    return batch
