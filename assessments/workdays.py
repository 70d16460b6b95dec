"""Working days between two dates (Monday to Friday; bank holidays not counted)."""

from datetime import date, timedelta


def working_days_between(start: date, end: date) -> int:
    """Weekdays after `start` up to and including `end` (0 if end <= start).

    A submission made on Friday and looked at on Monday has waited 1 working day.
    """
    if end <= start:
        return 0
    days = (end - start).days
    weeks, extra = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, extra + 1):
        if (start + timedelta(days=offset)).weekday() < 5:
            count += 1
    return count


def latest_start_beyond(target_days: int, today: date) -> date:
    """The latest date from which more than `target_days` working days have passed
    by `today`: anything started on or before it is past the target.

    Derived from `working_days_between` itself (which never grows as the start
    moves later), so a query can compare dates with the same answer as the
    per-row count. Whole weeks hold five working days at most, so the walk back
    starts that many weeks before `today` and takes a few steps from there.
    """
    day = today - timedelta(days=7 * (target_days // 5))
    while working_days_between(day, today) <= target_days:
        day -= timedelta(days=1)
    return day
