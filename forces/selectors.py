"""Reading forces and channels."""

from itertools import groupby

from forces.models import Force


def forces_by_region() -> list[tuple[str, list[Force]]]:
    """All forces grouped by region, regions in alphabetical order (one query)."""
    forces = Force.objects.order_by("region", "name")
    return [(region, list(group)) for region, group in groupby(forces, key=lambda f: f.region)]
