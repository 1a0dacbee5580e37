"""The import-profile pages, through Django's test client: keep an export, map it, preview,
save, import; a force data manager for their own forces only."""

import os
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engagement.ingest.uploads import PROFILE_DRAFT_DIR, prune_profile_drafts, upload_storage
from engagement.models import ImportProfile, Interaction
from forces.models import Force, Platform
from tests.factories import ChannelFactory, UserFactory
from tests.ingestion import EXAMPLES

pytestmark = pytest.mark.django_db

EXPORT = (
    "Ref,Who,Type,Stamp,Notes\n"
    "r1,alice,Comment,01/05/2026 10:00,hello\n"
    "r2,bob,Like,01/05/2026 11:00,\n"
    "r3,us,Our reply,01/05/2026 12:00,thanks\n"
)
MAPPING = {
    "from_citizen": "Who",
    "from_kind": "Type",
    "from_occurred_at": "Stamp",
    "from_external_id": "Ref",
    "fixed_force": "kent",
    "fixed_channel": "facebook-main",
    "time_format": "%d/%m/%Y %H:%M",
    "name": "crm-export",
    "save_for": "kent",
}


@pytest.fixture(autouse=True)
def kent_facebook():
    ChannelFactory(
        force=Force.objects.get(slug="kent"), slug="facebook-main", platform=Platform.FACEBOOK
    )


@pytest.fixture
def manager(client):
    client.force_login(UserFactory(password=None, roles=["Force data managers"], forces=["kent"]))
    return client


def keep(client, text: str = EXPORT, name: str = "crm.csv", **form) -> str:
    upload = SimpleUploadedFile(name, text.encode(), "text/csv")
    response = client.post(
        "/imports/profiles/", {"file": upload, "profile": "", "format": "csv"} | form
    )
    assert response.status_code == 302
    return response["Location"]


def words(page: str) -> list[str]:
    return re.findall(r'<label for="id_word_\d+">“([^”]*)”', page)


def test_the_import_page_links_to_the_profiles_and_says_analytics_exports_hold_no_people(
    manager,
):
    page = manager.get("/imports/").content.decode()
    assert 'href="/imports/profiles/"' in page
    profiles = manager.get("/imports/profiles/").content.decode()
    assert "Meta Insights, Meta Business Suite post reports" in profiles
    assert "<strong>No</strong>: totals per post" in profiles


def test_the_mapping_page_offers_the_files_columns(manager):
    page = manager.get(keep(manager)).content.decode()
    for column in ("Ref", "Who", "Type", "Stamp", "Notes"):
        assert f'<option value="{column}">{column}</option>' in page


def test_choosing_the_kind_column_lists_the_words_found_there(manager):
    url = keep(manager)
    page = manager.post(url, MAPPING | {"action": "preview"}).content.decode()
    assert words(page) == ["Comment", "Like", "Our reply"]


def test_the_preview_reads_the_records_with_their_problems_and_writes_nothing(manager):
    url = keep(manager)
    manager.post(url, MAPPING | {"action": "preview", "words": "[]"})
    mapped = MAPPING | {
        "action": "preview",
        "words": '["Comment", "Like", "Our reply"]',
        "word_0": "reply",
        "word_2": "-skip-",
    }
    page = manager.post(url, mapped).content.decode()
    assert "line 3: Type (kind): &#x27;Like&#x27; is a word the profile does not map" in page
    assert "skipped (a word the profile skips)" in page
    assert "1 May 2026 10:00" in page  # London time, as read
    assert not Interaction.objects.exists()


def test_a_manager_saves_the_profile_for_their_force_and_imports(manager):
    url = keep(manager)
    mapped = MAPPING | {
        "words": '["Comment", "Like", "Our reply"]',
        "word_0": "reply",
        "word_1": "like",
        "word_2": "-skip-",
    }
    assert manager.post(url, mapped | {"action": "save"}).status_code == 302
    saved = ImportProfile.objects.get(force__slug="kent", name="crm-export")
    assert saved.document["skip"] == ["Our reply"]
    response = manager.post(url, mapped | {"action": "import"})
    assert response.status_code == 200
    assert "2 row(s) read, 2 created" in response.content.decode()
    assert sorted(Interaction.objects.values_list("kind", flat=True)) == ["like", "reply"]


def test_a_saved_profile_is_offered_again_and_reads_the_next_export(manager):
    test_a_manager_saves_the_profile_for_their_force_and_imports(manager)
    choices = manager.get("/imports/profiles/").content.decode()
    assert 'value="kent/crm-export"' in choices
    url = keep(manager, EXPORT.replace("r1", "r9"), profile="kent/crm-export")
    response = manager.post(url, MAPPING | {"action": "import"})
    page = response.content.decode()
    assert "2 row(s) read, 1 created, 1 duplicate(s) skipped" in page


def test_a_manager_may_not_save_a_profile_for_another_force(manager):
    url = keep(manager)
    response = manager.post(url, MAPPING | {"action": "save", "save_for": "essex"})
    assert response.status_code == 400
    assert not ImportProfile.objects.exists()


def test_a_built_in_profile_reads_its_export_once_the_force_and_channel_are_given(manager):
    sample = (EXAMPLES / "profiles" / "nextdoor-comments.json").read_text()
    url = keep(manager, sample, "nextdoor.json", profile="nextdoor-comments")
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="nd", platform=Platform.NEXTDOOR)
    form = {"from_citizen": "author.id", "from_occurred_at": "creation_date"}
    form |= {"from_external_id": "id", "records": "comments", "fixed_kind": "reply"}
    missing = manager.post(url, form | {"action": "import"})
    assert "force: is neither read from the file (fields) nor fixed" in missing.content.decode()
    done = manager.post(
        url, form | {"action": "import", "fixed_force": "kent", "fixed_channel": "nd"}
    )
    assert "3 row(s) read, 3 created" in done.content.decode()


def test_another_sessions_export_is_not_found(manager, client):
    url = keep(manager)
    other = UserFactory(password=None, roles=["Force data managers"], forces=["kent"])
    client.force_login(other)
    assert client.get(url).status_code == 404


def test_an_export_left_unimported_for_a_day_is_deleted(manager, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    url = keep(manager)
    fresh = keep(manager)
    stale = upload_storage().path(f"{PROFILE_DRAFT_DIR}/{url.rstrip('/').rsplit('/', 1)[1]}")
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))
    assert prune_profile_drafts() == 1
    assert manager.get(url).status_code == 404
    assert manager.get(fresh).status_code == 200


def test_a_new_json_profile_is_offered_the_lists_of_records_in_the_file(manager):
    sample = (EXAMPLES / "profiles" / "youtube-comment-threads.json").read_text()
    page = manager.get(keep(manager, sample, "yt.json", format="json")).content.decode()
    assert "Lists of records in this file: items, items[].replies.comments." in page
