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
