from datetime import date

from parkos.core import workdays


def test_weekends_holidays_and_adjusted_working_days():
    assert workdays.is_workday(date(2026, 11, 27))  # Friday
    assert not workdays.is_workday(date(2026, 11, 28))  # Saturday
    assert not workdays.is_workday(date(2026, 10, 5))  # National Day holiday, a Monday
    assert workdays.is_workday(date(2026, 10, 10))  # adjusted working Saturday
    assert workdays.is_workday(date(2026, 2, 14))  # Spring Festival make-up Saturday
    assert not workdays.is_workday(date(2026, 2, 18))  # Spring Festival, a Wednesday


def test_add_and_count_working_days_across_the_national_day_week():
    # Tue 29 Sep + 3 working days: Wed 30 Sep, then Thu 1 Oct – Wed 7 Oct are off, Thu 8, Fri 9.
    assert workdays.add_workdays(date(2026, 9, 29), 3) == date(2026, 10, 9)
    assert workdays.workdays_between(date(2026, 9, 29), date(2026, 10, 9)) == 3
    assert workdays.workdays_between(date(2026, 10, 9), date(2026, 9, 29)) == 0
    assert workdays.add_workdays(date(2026, 10, 9), -3) == date(2026, 9, 29)


def test_operator_file_replaces_the_schedule(tmp_path, settings):
    path = tmp_path / "holidays.json"
    path.write_text('{"2026": {"holidays": ["2026-11-27"], "workdays": ["2026-11-28"]}}', encoding="utf-8")
    settings.PARK_HOLIDAYS_FILE = str(path)
    workdays.reload()
    try:
        assert not workdays.is_workday(date(2026, 11, 27))
        assert workdays.is_workday(date(2026, 11, 28))
        assert workdays.known_years() == {2026}
    finally:
        settings.PARK_HOLIDAYS_FILE = ""
        workdays.reload()
