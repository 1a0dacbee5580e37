import io

import pytest
from django.core.management import call_command

from engagement.models import ImportBatch, Interaction
from tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


def test_setup_demo_generates_demo_data_when_there_are_no_interactions():
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    assert Interaction.objects.values("force").distinct().count() == 43
    assert "60000 row(s) read, 60000 created" in out.getvalue()


def test_setup_demo_leaves_existing_interactions_alone():
    InteractionFactory()
    call_command("setup_demo", stdout=io.StringIO())
    assert Interaction.objects.count() == 1
    assert not ImportBatch.objects.exists()
