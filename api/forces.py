"""Read API for the forces and their channels (/api/v1/forces/, /api/v1/channels/)."""

from rest_framework import serializers

from api.support import ReadOnlyViewSet
from engagement.store.filters import ChannelFilterSet, ForceFilterSet
from forces.models import Channel, Force


class ForceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Force
        fields = [
            "slug",
            "name",
            "region",
            "country",
            "population",
            "population_year",
            "population_source",
        ]


class ChannelSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Channel
        fields = ["id", "force", "slug", "platform", "name", "team", "url", "active"]


class ForceViewSet(ReadOnlyViewSet):
    """The 43 forces, with the population rung 0 is counted from."""

    queryset = Force.objects.order_by("slug")
    serializer_class = ForceSerializer
    filterset_class = ForceFilterSet
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    csv_name = "forces"


class ChannelViewSet(ReadOnlyViewSet):
    """The accounts, pages and offline programmes through which forces meet the public."""

    queryset = Channel.objects.select_related("force").order_by("force__slug", "slug")
    serializer_class = ChannelSerializer
    filterset_class = ChannelFilterSet
    csv_name = "channels"
