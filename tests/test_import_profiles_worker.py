"""A large export read through an import profile is imported by a real Celery worker (Redis,
PostgreSQL), the page following its progress to the outcome."""

from django.core.files.uploadedfile import SimpleUploadedFile

from engagement.models import ImportBatch, Interaction
from tests.factories import UserFactory
from tests.ingestion import background_uploads_into_kent, imported_by_worker
from tests.processes import ON_A_REAL_WORKER
from tests.test_recompute_worker import worker  # noqa: F401 (the fixture: a real worker)

pytestmark = ON_A_REAL_WORKER


def test_a_large_export_goes_to_the_worker_with_its_profile(
    worker,  # noqa: F811
    client,
    migrations_data,
    settings,
):
    background_uploads_into_kent(settings)
    client.force_login(UserFactory(password=None, roles=["Force data managers"], forces=["kent"]))
    lines = [f"p{n},{'Liked' if n % 2 else 'Our post'},01/05/2026 10:00,m{n}" for n in range(2000)]
    data = ("\n".join(["Who,What,When,Id", *lines]) + "\n").encode()
    kept = client.post(
        "/imports/profiles/",
        {"file": SimpleUploadedFile("big.csv", data), "profile": "", "format": "csv"},
    )
    mapping = {
        "from_citizen": "Who",
        "from_kind": "What",
        "from_occurred_at": "When",
        "from_external_id": "Id",
        "fixed_force": "kent",
        "fixed_channel": "tw",
        "time_format": "%d/%m/%Y %H:%M",
        "words": '["Our post", "Liked"]',
        "word_0": "-skip-",
        "word_1": "like",
        "action": "import",
    }

    response = client.post(kept["Location"], mapping)

    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.profile["skip"] == ["Our post"]
    batch = imported_by_worker(batch, worker)
    assert batch.created == Interaction.objects.count() == 1000
    assert "big.csv: imported" in client.get(response["Location"]).content.decode()
