"""Saved import profiles, and the API and command doors that take a profile by name."""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from engagement.ingest.profiles import ProfileInvalid
from engagement.ingest.saved_profiles import find_profile, profile_choices, save_profile
from engagement.models import ImportBatch, ImportProfile, Interaction
from forces.models import Force, Platform
from tests.factories import ChannelFactory, UserFactory
from tests.ingestion import EXAMPLES

pytestmark = pytest.mark.django_db

URL = "/api/v1/interactions/profiled/"
CRM = {
    "name": "crm-export",
    "format": "json",
    "records": "rows",
    "fields": {"citizen": "person", "occurred_at": "at", "kind": "what"},
    "fixed": {"channel": "twitter-main"},
    "kinds": {"Phoned": "message"},
}


@pytest.fixture(autouse=True)
def kent_twitter():
    ChannelFactory(
        force=Force.objects.get(slug="kent"), slug="twitter-main", platform=Platform.TWITTER
    )


@pytest.fixture
def kent_manager():
    return UserFactory(password=None, roles=["Force data managers"], forces=["kent"])


def x_posts() -> dict:
    return json.loads((EXAMPLES / "profiles" / "x-posts.json").read_text())


def post_x_posts(client, body: dict | None = None, force: str = "kent"):
    return client.post(
        f"{URL}?profile=x-posts&force={force}&channel=twitter-main",
        x_posts() if body is None else body,
        content_type="application/json",
    )


def test_a_data_manager_saves_a_profile_for_their_force_and_its_history_says_who(kent_manager):
    kent = Force.objects.get(slug="kent")
    saved = save_profile(force=kent, document=CRM, user=kent_manager, forces={"kent"})
    assert (str(saved), saved.saved_by) == ("kent/crm-export", kent_manager)
    assert saved.history.get().history_type == "+"
    assert find_profile("kent/crm-export", forces={"kent"}).kinds == {"Phoned": "message"}


def test_saving_again_under_the_same_name_replaces_the_profile_and_keeps_the_old_one(
    kent_manager,
):
    kent = Force.objects.get(slug="kent")
    save_profile(force=kent, document=CRM, user=kent_manager, forces={"kent"})
    changed = CRM | {"kinds": {"Phoned": "message", "Visited": "attend"}}
    save_profile(force=kent, document=changed, user=kent_manager, forces={"kent"})
    saved = ImportProfile.objects.get()
    assert saved.document["kinds"] == {"Phoned": "message", "Visited": "attend"}
    assert saved.history.count() == 2


def test_a_data_manager_may_not_save_for_another_force(kent_manager):
    with pytest.raises(PermissionDenied):
        save_profile(
            force=Force.objects.get(slug="essex"), document=CRM, user=kent_manager, forces={"kent"}
        )
    assert not ImportProfile.objects.exists()


def test_a_profile_mapping_a_word_to_an_unknown_kind_is_not_saved(kent_manager):
    with pytest.raises(ProfileInvalid) as invalid:
        save_profile(
            force=Force.objects.get(slug="kent"),
            document=CRM | {"kinds": {"Phoned": "phoned"}},
            user=kent_manager,
            forces={"kent"},
        )
    assert invalid.value.messages[0].startswith(
        "kinds.Phoned: phoned is not a kind of the current definition"
    )


def test_another_forces_saved_profiles_are_neither_listed_nor_found(kent_manager):
    save_profile(force=Force.objects.get(slug="essex"), document=CRM, user=None, forces=None)
    keys = [choice.key for choice in profile_choices({"kent"})]
    assert "essex/crm-export" not in keys and "x-posts" in keys
    with pytest.raises(ProfileInvalid):
        find_profile("essex/crm-export", forces={"kent"})


def test_the_api_imports_a_tools_records_through_a_built_in_profile(client, kent_manager):
    client.force_login(kent_manager)
    response = post_x_posts(client)
    assert response.status_code == 201
    assert response.json() == {"rows_read": 4, "created": 4, "duplicates": 0, "dry_run": False}
    assert ImportBatch.objects.get().source == ImportBatch.Source.API


def test_the_api_names_each_bad_record_by_its_number(client, kent_manager):
    client.force_login(kent_manager)
    body = x_posts()
    body["data"][2]["referenced_tweets"][0]["type"] = "bookmarked"
    response = post_x_posts(client, body)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "record": 3,
            "field": "referenced_tweets[0].type (kind)",
            "message": "'bookmarked' is a word the profile does not map to a kind (it maps "
            "(empty), quoted, replied_to, retweeted)",
        }
    ]
    assert not Interaction.objects.exists()


def test_the_api_refuses_another_forces_records_whole(client, kent_manager):
    client.force_login(kent_manager)
    response = post_x_posts(client, force="essex")
    assert response.status_code == 400
    assert {problem["field"] for problem in response.json()["errors"]} == {"force"}
    assert not Interaction.objects.exists()


def test_the_api_says_what_a_profile_lacks(client, kent_manager):
    client.force_login(kent_manager)
    response = client.post(f"{URL}?profile=x-posts", x_posts(), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["profile"][0].startswith("force: is neither read")


def test_the_api_takes_a_saved_profile_by_force_and_name(client, kent_manager):
    save_profile(force=Force.objects.get(slug="kent"), document=CRM, user=None, forces=None)
    client.force_login(kent_manager)
    body = {"rows": [{"person": "p1", "at": "2026-05-01T10:00:00Z", "what": "Phoned"}]}
    response = client.post(
        f"{URL}?profile=kent/crm-export&force=kent", body, content_type="application/json"
    )
    assert response.status_code == 201
    assert Interaction.objects.get().kind == "message"


def test_the_command_takes_a_saved_profile_by_force_and_name(tmp_path):
    save_profile(force=Force.objects.get(slug="kent"), document=CRM, user=None, forces=None)
    data = tmp_path / "crm.json"
    data.write_text(
        json.dumps({"rows": [{"person": "p1", "at": "2026-05-01T10:00:00Z", "what": "Phoned"}]})
    )
    output = io.StringIO()
    call_command(
        "import_interactions",
        str(data),
        "--profile",
        "kent/crm-export",
        "--set",
        "force=kent",
        stdout=output,
    )
    assert "1 row(s) read, 1 created" in output.getvalue()
