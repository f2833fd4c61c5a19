"""Server-rendered SVG pictures for the console: readable without JavaScript, no CDN, no inline styles
(the console's CSP), and colours from the Okabe–Ito palette, which stays distinguishable with the common
kinds of colour blindness. Every chart carries a text equivalent (``<title>``/``aria-label``).

The figures come from the store (:func:`daily_activity`, :func:`hourly_activity`, :func:`backlog`,
:func:`last_activity`); the drawing functions take plain numbers and return ``Markup``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from html import escape
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, select

from ledgerbridge.store.models import ErrorEntry, InboxItem, Integration, SyncRun, Transfer

# Okabe–Ito: blue for what went through, vermillion for failures, bluish green / sky blue / grey for the rest.
BLUE, VERMILLION, GREEN, SKY, GREY, INK = "#0072B2", "#D55E00", "#009E73", "#56B4E9", "#8A8F98", "#1d2433"
DONE_STATES = ("confirmed", "sent")


@dataclass(frozen=True)
class Bucket:
    start: datetime
    transfers: int = 0
    failures: int = 0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _integration_id(session: Any, name: str) -> int | None:
    return session.scalar(select(Integration.id).where(Integration.name == name))


def _activity(
    store: Any, name: str, *, starts: Sequence[datetime], index: Callable[[datetime], int]
) -> list[Bucket]:
    """Documents that went through (confirmed/sent, by last change) and failures (error entries, by first
    seen) per bucket: ``starts`` are the buckets' beginnings (the oldest first), ``index`` puts an aware
    moment into its bucket (outside ``0..len(starts) - 1``: not counted)."""
    counts = [[0, 0] for _ in starts]
    since = starts[0].astimezone(UTC)  # the store compares in UTC (SQLite keeps no offset)
    with store.session() as session:
        integration_id = _integration_id(session, name)
        if integration_id is None:
            return []
        done = session.execute(
            select(Transfer.updated_at).where(
                Transfer.integration_id == integration_id,
                Transfer.state.in_(DONE_STATES),
                Transfer.updated_at >= since,
            )
        ).scalars()
        failed = session.execute(
            select(ErrorEntry.first_seen).where(
                ErrorEntry.integration_id == integration_id, ErrorEntry.first_seen >= since
            )
        ).scalars()
        for column, moments in ((0, done), (1, failed)):
            for moment in moments:
                at = index(_aware(moment))
                if 0 <= at < len(starts):
                    counts[at][column] += 1
    return [Bucket(start, t, f) for start, (t, f) in zip(starts, counts, strict=True)]


def daily_activity(
    store: Any, name: str, *, days: int = 30, now: datetime | None = None, zone: tzinfo = UTC
) -> list[Bucket]:
    """The last ``days`` days in ``zone``, today included: a moment counts on the day it was in ``zone``
    (an integration's pages pass the integration's zone; pages about every integration keep UTC). A
    bucket starts at local midnight, so a day of a summer-time change is 23 or 25 hours long."""
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    starts = [datetime.combine(first + timedelta(days=i), time.min, tzinfo=zone) for i in range(days)]
    return _activity(store, name, starts=starts, index=lambda m: (m.astimezone(zone).date() - first).days)


def hourly_activity(
    store: Any, name: str, *, hours: int = 24, now: datetime | None = None, zone: tzinfo = UTC
) -> list[Bucket]:
    """The last ``hours`` hours, the current hour included, on the hours of ``zone`` (they differ from
    UTC's where the offset is not whole hours, e.g. +05:30)."""
    local = (now or datetime.now(UTC)).astimezone(zone).replace(minute=0, second=0, microsecond=0)
    first = local.astimezone(UTC) - timedelta(hours=hours - 1)  # in UTC: no wall-clock arithmetic
    starts = [(first + timedelta(hours=i)).astimezone(zone) for i in range(hours)]
    return _activity(store, name, starts=starts, index=lambda m: int((m - first) // timedelta(hours=1)))


def backlog(store: Any, name: str) -> tuple[int, datetime | None]:
    """Changes from the systems waiting in the inbox, and when the oldest of them arrived."""
    with store.session() as session:
        integration_id = _integration_id(session, name)
        if integration_id is None:
            return 0, None
        count, oldest = session.execute(
            select(func.count(InboxItem.id), func.min(InboxItem.received_at)).where(
                InboxItem.integration_id == integration_id, InboxItem.state == "pending"
            )
        ).one()
    return int(count or 0), _aware(oldest) if oldest else None


def last_activity(store: Any, name: str) -> datetime | None:
    """The last thing that happened of any kind: a run, a document transferred or a change processed
    ("Last sync" means this, not only the start-up run)."""
    with store.session() as session:
        integration_id = _integration_id(session, name)
        if integration_id is None:
            return None
        moments = [
            session.scalar(
                select(func.max(func.coalesce(SyncRun.finished_at, SyncRun.started_at))).where(
                    SyncRun.integration_id == integration_id, SyncRun.dry_run.is_(False)
                )
            ),
            session.scalar(
                select(func.max(Transfer.updated_at)).where(Transfer.integration_id == integration_id)
            ),
            session.scalar(
                select(func.max(InboxItem.processed_at)).where(InboxItem.integration_id == integration_id)
            ),
        ]
    known = [_aware(m) if isinstance(m, datetime) else _parse(m) for m in moments if m is not None]
    return max(known) if known else None


def _parse(value: Any) -> datetime:
    # SQLite hands back func.max()/coalesce() of datetimes as text.
    return _aware(datetime.fromisoformat(str(value)))


def _svg(width: int, height: int, label: str, body: str, css_class: str) -> Markup:
    return Markup(
        f'<svg class="{css_class}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>{body}</svg>"
    )


def _points(values: Sequence[int], width: float, height: float, top: int) -> str:
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(values)
    )


def sparkline(buckets: Sequence[Bucket], label: str, *, width: int = 120, height: int = 28) -> Markup:
    """Two lines, transfers (blue, solid) and failures (vermillion, dashed: told apart without colour)."""
    if not buckets:
        return Markup("")
    transfers = [b.transfers for b in buckets]
    failures = [b.failures for b in buckets]
    top = max(1, *transfers, *failures)
    body = (
        f'<polyline points="{_points(transfers, width, height, top)}" fill="none" stroke="{BLUE}" '
        'stroke-width="1.6"/>'
        f'<polyline points="{_points(failures, width, height, top)}" fill="none" stroke="{VERMILLION}" '
        'stroke-width="1.6" stroke-dasharray="3 2"/>'
    )
    return _svg(width, height, label, body, "sparkline")


def bar_chart(
    buckets: Sequence[Bucket],
    label: str,
    *,
    tick: Callable[[datetime], str],
    legend: tuple[str, str],
    width: int = 640,
    height: int = 160,
) -> Markup:
    """Transfers (blue) and failures (vermillion, hatched by a lighter top) side by side per bucket, the
    highest value on the axis, the first and last bucket's label under it; a ``<title>`` per bar pair."""
    if not buckets:
        return Markup("")
    left, bottom, top_pad = 34, 22, 18
    plot_w, plot_h = width - left - 4, height - bottom - top_pad
    top = max(1, *(b.transfers for b in buckets), *(b.failures for b in buckets))
    slot = plot_w / len(buckets)
    bar = max(slot / 2 - 1, 1)
    parts = [
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 4}" y2="{top_pad + plot_h}" '
        f'stroke="{GREY}"/>',
        f'<text x="{left - 4}" y="{top_pad + 4}" text-anchor="end" font-size="11" fill="{INK}">{top}</text>',
        f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end" font-size="11" fill="{INK}">0</text>',
    ]
    for i, b in enumerate(buckets):
        x = left + i * slot
        tip = f"{tick(b.start)}: {legend[0]} {b.transfers}, {legend[1]} {b.failures}"
        parts.append(f"<g><title>{escape(tip)}</title>")
        for offset, value, colour in ((0, b.transfers, BLUE), (bar + 1, b.failures, VERMILLION)):
            h = (value / top) * plot_h
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
        parts.append("</g>")
    parts.append(
        f'<text x="{left}" y="{height - 6}" font-size="11" fill="{INK}">'
        f"{escape(tick(buckets[0].start))}</text>"
        f'<text x="{width - 4}" y="{height - 6}" text-anchor="end" font-size="11" fill="{INK}">'
        f"{escape(tick(buckets[-1].start))}</text>"
    )
    parts.append(_legend(((BLUE, legend[0]), (VERMILLION, legend[1])), x=left, y=4))
    return _svg(width, height, label, "".join(parts), "chart")


def _legend(entries: Sequence[tuple[str, str]], *, x: int, y: int) -> str:
    out, cursor = [], x
    for colour, text in entries:
        out.append(
            f'<rect x="{cursor}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{cursor + 14}" y="{y + 9}" font-size="11" fill="{INK}">{escape(text)}</text>'
        )
        cursor += 24 + 7 * len(text)
    return "".join(out)


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[int]]],
    label: str,
    *,
    series: Sequence[tuple[str, str]],
    width: int = 640,
    row_height: int = 22,
) -> Markup:
    """One horizontal bar per row (an entity, a document type), split into ``series`` (colour, name):
    e.g. created / updated / unchanged / failed per entity of the start-up sync."""
    if not rows:
        return Markup("")
    label_w, gap, legend_h = 150, 4, 20
    plot_w = width - label_w - 60
    top = max(1, *(sum(values) for _, values in rows))
    height = legend_h + len(rows) * (row_height + gap)
    parts = [_legend([(c, n) for c, n in series], x=label_w, y=2)]
    for r, (name, values) in enumerate(rows):
        y = legend_h + r * (row_height + gap)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + row_height * 0.7:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(name)}</text>'
        )
        x = float(label_w)
        tip = ", ".join(f"{n} {v}" for (_, n), v in zip(series, values, strict=False))
        parts.append(f"<g><title>{escape(name)}: {escape(tip)}</title>")
        for (colour, _), value in zip(series, values, strict=False):
            w = (value / top) * plot_w
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_height}" fill="{colour}"/>'
                )
            x += w
        parts.append("</g>")
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + row_height * 0.7:.1f}" font-size="12" fill="{INK}">'
            f"{sum(values)}</text>"
        )
    return _svg(width, height, label, "".join(parts), "chart bars")


def day_tick(locale: Any) -> Callable[[datetime], str]:
    """The day a bucket starts on, in the bucket's own zone (its start is local midnight)."""
    from babel.dates import format_date

    return lambda moment: format_date(moment.date(), format="d MMM", locale=locale)


def hour_tick(locale: Any, zone: tzinfo = UTC) -> Callable[[datetime], str]:
    """The hour in ``zone`` (the chart's, not the server's own)."""
    from babel.dates import format_time

    return lambda moment: format_time(moment.astimezone(zone), format="HH:mm", locale=locale)
