"""Working days between two dates: Monday to Friday, less the bank holidays of the
centre's part of the UK (`bank_holidays`, from the `holidays` package)."""

from collections.abc import Collection
from datetime import date, timedelta
from functools import lru_cache

import holidays as holiday_calendars

# Centre.bank_holidays: the UK subdivision whose bank holidays are not working days.
REGIONS = ("ENG", "WLS", "SCT", "NIR")
YEARS_BACK = 5  # submissions waiting longer than this are past any target anyway


def bank_holidays(region: str, today: date) -> frozenset[date]:
    """The bank holidays of `region` (one of REGIONS; "" for none) from a few years
    before `today` to the end of next year."""
    if region not in REGIONS:
        return frozenset()
    return _bank_holidays(region, today.year)


@lru_cache(maxsize=16)
def _bank_holidays(region: str, year: int) -> frozenset[date]:
    calendar = holiday_calendars.country_holidays(
        "GB", subdiv=region, years=range(year - YEARS_BACK, year + 2)
    )
    return frozenset(calendar)


def working_days_between(
    start: date, end: date, holidays: Collection[date] = frozenset()
) -> int:
    """Weekdays after `start` up to and including `end` that are not `holidays`
    (0 if end <= start).

    A submission made on Friday and looked at on Monday has waited 1 working day;
    over a bank holiday Monday, until Tuesday.
    """
    if end <= start:
        return 0
    days = (end - start).days
    weeks, extra = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, extra + 1):
        if (start + timedelta(days=offset)).weekday() < 5:
            count += 1
    return count - sum(
        1 for day in holidays if start < day <= end and day.weekday() < 5
    )


def latest_start_beyond(
    target_days: int, today: date, holidays: Collection[date] = frozenset()
) -> date:
    """The latest date from which more than `target_days` working days have passed
    by `today`: anything started on or before it is past the target.

    Derived from `working_days_between` itself (which never grows as the start
    moves later), so a query can compare dates with the same answer as the
    per-row count. Whole weeks hold five working days at most, so the walk back
    starts that many weeks before `today` and takes a few steps from there (a few
    more over bank holidays).
    """
    day = today - timedelta(days=7 * (target_days // 5))
    while working_days_between(day, today, holidays) <= target_days:
        day -= timedelta(days=1)
    return day
