"""The query parameters of the figures, parsed once for every reader.

`DistributionFilterSet` turns parameters (an API query string, the report form, the command's
options) into `DistributionFilters` and hands them to `selectors.distribution_rows`. The
django-filter form does the field checks; `clean` checks what spans fields (period against period
type, known forces and regions) with messages that name the parameter at fault.
"""

from __future__ import annotations

from collections.abc import Mapping

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.datastructures import MultiValueDict

from engagement.models import Distribution, PeriodType, RecomputeRun, Transition
from engagement.store.mobility import mobility_rows
from engagement.store.routes import route_rows
from engagement.store.selectors import (
    READ_SCOPE_CHOICES,
    DistributionFilters,
    DistributionRows,
    FiltersInvalid,
    distribution_rows,
    figures_definition,
    resolve_periods,
)
from forces.models import Channel, Force, Platform


class CommaOrRepeatedWidget(django_filters.widgets.BaseCSVWidget, forms.TextInput):
    """A list given as `force=a,b`, as `force=a&force=b` (a multiple select), or both."""

    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if isinstance(data, MultiValueDict) else [data.get(name)]
        values: list[str] = []
        for item in raw:
            if isinstance(item, list | tuple):
                parts = [str(part) for part in item]
            else:
                parts = str(item or "").split(",")
            values += [part.strip() for part in parts if part.strip()]
        return list(dict.fromkeys(values)) or None


class SlugListFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    pass


class DistributionFilterForm(forms.Form):
    """Checks across fields; leaves `cleaned_data["filters"]` for the selector."""

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        filters = DistributionFilters(
            definition=data.get("definition"),
            period_type=data.get("period_type") or None,
            period=data.get("period") or None,
            period_from=data.get("period_from") or None,
            period_to=data.get("period_to") or None,
            scope=data.get("scope") or None,
            forces=tuple(data.get("force") or ()),
            region=data.get("region") or None,
            channel=data.get("channel") or None,
            platform=data.get("platform") or None,
            lens=data.get("lens") or None,
        )
        problems: dict[str, str] = {}
        for check in (lambda: figures_definition(filters), lambda: resolve_periods(filters)):
            try:
                check()
            except FiltersInvalid as invalid:
                problems.update(invalid.problems)
        if filters.forces:
            known = set(
                Force.objects.filter(slug__in=filters.forces).values_list("slug", flat=True)
            )
            unknown = [slug for slug in filters.forces if slug not in known]
            if unknown:
                problems["force"] = f"Unknown force: {', '.join(unknown)}."
        if filters.region and not Force.objects.filter(region__iexact=filters.region).exists():
            problems["region"] = f"No force is in the region {filters.region!r}."
        for name, message in problems.items():
            self.add_error(name, message)
        if problems:
            return data
        data["filters"] = filters
        return data


class FiguresFilterSet(django_filters.FilterSet):
    """What the figures' filter sets share: DistributionFilterForm parses the parameters into
    DistributionFilters, and the rows come from the one selector (`rows`), not from filtering the
    model's table here."""

    rows = staticmethod(distribution_rows)

    class Meta:
        fields: list[str] = []
        form = DistributionFilterForm

    def filter_queryset(self, queryset: QuerySet) -> DistributionRows | QuerySet:
        return self.rows(self.form.cleaned_data["filters"])

    @classmethod
    def parse(cls, params: Mapping) -> DistributionFilters:
        """Filters from plain parameters (a QueryDict or the command's options), or
        FiltersInvalid naming the parameter at fault."""
        filterset = cls(params, queryset=cls._meta.model.objects.none())
        if not filterset.is_valid():
            raise FiltersInvalid(
                {name: " ".join(messages) for name, messages in filterset.errors.items()}
            )
        return filterset.form.cleaned_data["filters"]


class DistributionFilterSet(FiguresFilterSet):
    definition = django_filters.NumberFilter(
        field_name="snapshot__definition__version",
        min_value=1,
        max_value=2_147_483_647,
        help_text="Definition version (default: the current one).",
    )
    period_type = django_filters.ChoiceFilter(
        choices=PeriodType.choices,
        help_text="month, quarter, year or financial_year (default: all).",
    )
    period = django_filters.CharFilter(
        max_length=8, help_text="One period: 2026-04, 2026-Q2, 2026 or 2026-27."
    )
    period_from = django_filters.CharFilter(
        field_name="period", max_length=8, help_text="First period of a range (included)."
    )
    period_to = django_filters.CharFilter(
        field_name="period", max_length=8, help_text="Last period of a range (included)."
    )
    scope = django_filters.ChoiceFilter(
        choices=READ_SCOPE_CHOICES, help_text="force, platform or channel (default: all three)."
    )
    force = SlugListFilter(
        field_name="force__slug",
        widget=CommaOrRepeatedWidget,
        help_text="Force slugs, comma-separated (e.g. kent,essex).",
    )
    region = django_filters.CharFilter(
        field_name="force__region", max_length=64, help_text="A force region, e.g. South East."
    )
    channel = django_filters.CharFilter(
        field_name="channel__slug",
        max_length=64,
        help_text="A channel slug (its channel-scope rows).",
    )
    platform = django_filters.ChoiceFilter(
        field_name="channel__platform",
        choices=Platform.choices,
        help_text="A platform: its platform-scope rows and the channel-scope rows of its channels.",
    )
    lens = django_filters.CharFilter(
        field_name="snapshot__definition__force__slug",
        max_length=64,
        help_text="A force's local lens, by the force's slug or the lens's id: its figures only "
        "(with definition: that version of the lens). Never included otherwise.",
    )

    class Meta(FiguresFilterSet.Meta):
        model = Distribution


# The figures' query parameters, as the API, the report page and the command name them.
FILTER_PARAMETERS: tuple[str, ...] = tuple(DistributionFilterSet.base_filters)
parse_distribution_filters = DistributionFilterSet.parse


class MobilityFilterSet(FiguresFilterSet):
    """The mobility figures' parameters: the distributions' own filters, fewer of them (mobility
    is at force scope, over every pair of periods of a type)."""

    definition = DistributionFilterSet.declared_filters["definition"]
    period_type = DistributionFilterSet.declared_filters["period_type"]
    force = DistributionFilterSet.declared_filters["force"]
    region = DistributionFilterSet.declared_filters["region"]
    rows = staticmethod(mobility_rows)

    class Meta(FiguresFilterSet.Meta):
        model = Transition


MOBILITY_PARAMETERS: tuple[str, ...] = tuple(MobilityFilterSet.base_filters)
parse_mobility_filters = MobilityFilterSet.parse


class RouteFilterSet(FiguresFilterSet):
    """The routes' parameters: which definition's figures give their use, which periods, and
    which forces."""

    definition = DistributionFilterSet.declared_filters["definition"]
    period_type = DistributionFilterSet.declared_filters["period_type"]
    period = DistributionFilterSet.declared_filters["period"]
    force = DistributionFilterSet.declared_filters["force"]
    rows = staticmethod(route_rows)

    class Meta(FiguresFilterSet.Meta):
        model = Distribution


ROUTE_PARAMETERS: tuple[str, ...] = tuple(RouteFilterSet.base_filters)
parse_route_filters = RouteFilterSet.parse


class ExportOptionsForm(forms.Form):
    """How a distributions CSV is laid out, apart from which figures it holds."""

    layout = forms.ChoiceField(
        choices=[
            ("long", "Long: one row per rung"),
            ("wide", "Wide: one row per scope and period"),
        ],
        required=False,
    )
    bom = forms.TypedChoiceField(
        choices=[("0", "No"), ("1", "Yes")],
        coerce=lambda value: value == "1",
        empty_value=False,
        required=False,
        help_text="1: start the file with a UTF-8 byte-order mark (for Excel).",
    )

    def clean_layout(self) -> str:
        return self.cleaned_data.get("layout") or "long"


class ForceFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(lookup_expr="iexact", max_length=64)

    class Meta:
        model = Force
        fields = ["region", "country"]


class ChannelFilterSet(django_filters.FilterSet):
    force = django_filters.CharFilter(field_name="force__slug", max_length=64)

    class Meta:
        model = Channel
        fields = ["force", "platform", "active"]


class RecomputeRunFilterSet(django_filters.FilterSet):
    definition = django_filters.NumberFilter(
        field_name="definition__version", min_value=1, max_value=2_147_483_647
    )

    class Meta:
        model = RecomputeRun
        fields = ["definition", "mode", "status", "preview"]
