"""Accounting periods for periodic postings (e.g. the inventory value): daily, weekly or monthly."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

Frequency = Literal["daily", "weekly", "monthly"]


def period_end(day: date, frequency: Frequency) -> date:
    """The last day of the period ``day`` falls in (weeks end on Sunday)."""
    if frequency == "daily":
        return day
    if frequency == "weekly":
        return day + timedelta(days=6 - day.weekday())
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def period_id(end: date, frequency: Frequency) -> str:
    if frequency == "daily":
        return end.isoformat()
    if frequency == "weekly":
        year, week, _ = end.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{end:%Y-%m}"


def closed_periods(after: date, today: date, frequency: Frequency) -> list[date]:
    """Ends of the periods that closed after ``after`` and before ``today``, oldest first."""
    ends = []
    end = period_end(after + timedelta(days=1), frequency)
    while end < today:
        ends.append(end)
        end = period_end(end + timedelta(days=1), frequency)
    return ends
