"""Calendar periods in Europe/London time, as UK police report them.

Every interaction carries its London calendar month as an index (year * 12 + month - 1). The other
period types are whole groups of months, so they follow from that index by arithmetic alone:
quarters (Q1 is January to March), calendar years, and financial years (April to March,
labelled 2026-27).

A period is partial when the data held do not cover every day of it: they begin after its first
day or end before its last (the London days of the earliest interaction and of the horizon). The
pages, the CSV files and the API say so with the same rule, `is_partial`.
"""

from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from engagement.models import PeriodType

LONDON = ZoneInfo("Europe/London")
PERIOD_TYPES: tuple[str, ...] = tuple(PeriodType.values)


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def local_month_of(instant: datetime) -> int:
    """The Europe/London calendar month of an aware instant, as a month index."""
    local = instant.astimezone(LONDON)
    return month_index(local.year, local.month)


def month_of_index(index: int) -> tuple[int, int]:
    """(year, month) of a month index."""
    year, month_from_zero = divmod(index, 12)
    return year, month_from_zero + 1


@dataclass(frozen=True, order=True)
class Period:
    """One calendar period: its type, its first month index and its label."""

    start_month: int
    period_type: str
    label: str

    @property
    def start(self) -> date:
        year, month = month_of_index(self.start_month)
        return date(year, month, 1)

    @property
    def end(self) -> date:
        """The period's last day."""
        year, month = month_of_index(months_in(self)[-1])
        return date(year, month, monthrange(year, month)[1])


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_name(period_type: str, label: str) -> str:
    """A period as people say it, the one label style of every page, headline and preview: month
    2026-10 is "Oct 2026", quarter 2026-Q2 is "2026 Q2"; calendar years (2026) and financial
    years (2026-27) read as they are written. (Files keep the codes: they are for machines.)"""
    if period_type == PeriodType.MONTH:
        year, month = label.split("-")
        return f"{MONTH_NAMES[int(month) - 1]} {year}"
    if period_type == PeriodType.QUARTER:
        return label.replace("-", " ")
    return label


@dataclass(frozen=True)
class DataDays:
    """The London days the data held run over: the earliest interaction's and the horizon's."""

    first: date
    last: date

    @classmethod
    def of(cls, earliest: datetime, horizon: datetime) -> "DataDays":
        return cls(earliest.astimezone(LONDON).date(), horizon.astimezone(LONDON).date())


def is_partial(period: Period, days: DataDays | None) -> bool:
    """Whether the data held begin after the period's first day or end before its last day."""
    if days is None:
        return False
    return days.first > period.start or days.last < period.end


def period_of(period_type: str, index: int) -> Period:
    """The period of the given type that holds month `index`."""
    year, month = month_of_index(index)
    if period_type == PeriodType.MONTH:
        return Period(index, period_type, f"{year:04d}-{month:02d}")
    if period_type == PeriodType.QUARTER:
        quarter = (month - 1) // 3
        return Period(month_index(year, quarter * 3 + 1), period_type, f"{year:04d}-Q{quarter + 1}")
    if period_type == PeriodType.YEAR:
        return Period(month_index(year, 1), period_type, f"{year:04d}")
    if period_type == PeriodType.FINANCIAL_YEAR:
        start_year = year if month >= 4 else year - 1
        return Period(
            month_index(start_year, 4),
            period_type,
            f"{start_year:04d}-{(start_year + 1) % 100:02d}",
        )
    raise ValueError(f"unknown period type {period_type!r}")


def periods_between(period_type: str, first_month: int, last_month: int) -> Iterator[Period]:
    """Every period of a type from the one holding `first_month` to the one holding `last_month`."""
    seen: set[str] = set()
    for index in range(first_month, last_month + 1):
        period = period_of(period_type, index)
        if period.label not in seen:
            seen.add(period.label)
            yield period


def months_in(period: Period) -> range:
    """The month indexes a period covers."""
    length = {
        PeriodType.MONTH: 1,
        PeriodType.QUARTER: 3,
        PeriodType.YEAR: 12,
        PeriodType.FINANCIAL_YEAR: 12,
    }[PeriodType(period.period_type)]
    return range(period.start_month, period.start_month + length)


def parse_period(period_type: str, label: str) -> Period:
    """The period a label names, or ValueError with a message a person can act on."""
    try:
        if period_type == PeriodType.MONTH:
            year, month = label.split("-")
            period = period_of(period_type, month_index(int(year), int(month)))
        elif period_type == PeriodType.QUARTER:
            year, quarter = label.split("-Q")
            period = period_of(period_type, month_index(int(year), (int(quarter) - 1) * 3 + 1))
        elif period_type == PeriodType.YEAR:
            period = period_of(period_type, month_index(int(label), 1))
        elif period_type == PeriodType.FINANCIAL_YEAR:
            period = period_of(period_type, month_index(int(label.split("-")[0]), 4))
        else:
            raise ValueError(f"unknown period type {period_type!r}")
    except (ValueError, TypeError) as error:
        raise ValueError(f"{label!r} is not a {period_type} period") from error
    if period.label != label:
        raise ValueError(f"{label!r} is not a {period_type} period (did you mean {period.label}?)")
    return period
