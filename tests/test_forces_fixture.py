import pytest

from forces.models import Force

pytestmark = pytest.mark.django_db


def test_installation_ships_the_43_territorial_forces():
    assert Force.objects.count() == 43


def test_forces_fall_in_ten_regions():
    assert Force.objects.values("region").distinct().count() == 10


def test_forces_cover_england_and_wales():
    assert set(Force.objects.values_list("country", flat=True)) == {"England", "Wales"}
    assert Force.objects.filter(country="Wales").count() == 4


def test_force_slugs_are_the_data_police_uk_identifiers():
    slugs = set(Force.objects.values_list("slug", flat=True))
    assert {"metropolitan", "city-of-london", "avon-and-somerset", "dyfed-powys"} <= slugs


def test_every_force_ships_its_census_population_with_year_and_source():
    kent = Force.objects.get(slug="kent")
    assert kent.population == 1727665
    assert kent.population_year == 2011
    assert "Census" in kent.population_source
    assert not Force.objects.filter(population__isnull=True).exists()
