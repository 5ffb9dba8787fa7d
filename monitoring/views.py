"""The operations dashboard: one page whose panels refresh themselves (HTMX polling)."""

import csv
import datetime
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from monitoring import charts, selectors
from monitoring.figures import key_figures, orders_per_hour
from monitoring.forms import DashboardFilterForm
from monitoring.links import care_order_url
from monitoring.selectors import AGE_BUCKETS, Filters
from oms.access import role_required
from oms.roles import OPERATIONS_LEAD

REFRESH_SECONDS = 30
# A panel's figures are kept (Redis in production) for one refresh interval per filter set:
# several people watching the same view, and reloads, cost one computation per interval.
CACHE_SECONDS = REFRESH_SECONDS


def _states(filters: Filters, now: datetime.datetime) -> dict:
    return {"states": selectors.orders_by_state(filters, now=now), "age_buckets": AGE_BUCKETS}


def _steps(filters: Filters, now: datetime.datetime) -> dict:
    rows = selectors.step_durations(filters, now=now)
    return {"steps": list(zip(rows, charts.step_bars(rows), strict=True))}


def _stuck(filters: Filters, now: datetime.datetime) -> dict:
    stuck = selectors.stuck_orders(filters, now=now, limit=100)
    return {
        "stuck": [
            {"item": item, "age": item.age(now), "url": care_order_url(item.number)}
            for item in stuck
        ]
    }


def _backlog(filters: Filters, now: datetime.datetime) -> dict:
    rows = selectors.backlog_by_location(filters, now=now)
    bars = charts.backlog_bars(rows)
    return {"backlog": list(zip(rows, bars, strict=True)), "backlog_bars": bars}


def _figures(filters: Filters, now: datetime.datetime) -> dict:
    figures = key_figures(filters, now=now)
    hours = orders_per_hour(filters, now=now)
    return {
        "figures": figures,
        "rates": [
            charts.rate_bar(_("Share fulfilled from stores"), figures.store_share.value),
            charts.rate_bar(_("Cancellation rate"), figures.cancellation_rate.value),
            charts.rate_bar(_("Return rate (units)"), figures.return_rate.value),
            charts.rate_bar(_("On-time delivery rate"), figures.on_time_rate.value),
        ],
        "orders_chart": charts.hourly_chart(hours, metric="orders"),
        "revenue_chart": charts.hourly_chart(hours, metric="revenue"),
    }


PANELS: dict[str, Callable[[Filters, datetime.datetime], dict]] = {
    "states": _states,
    "steps": _steps,
    "stuck": _stuck,
    "backlog": _backlog,
    "figures": _figures,
}


def panel_cache_key(name: str, filters: Filters) -> str:
    query = urlencode(filters.as_query())
    return f"dashboard:{connection.settings_dict['NAME']}:{get_language()}:{name}:{query}"


def panel_context(name: str, filters: Filters, now: datetime.datetime) -> dict:
    """One panel's figures, computed at most once per refresh interval and filter set."""
    key = panel_cache_key(name, filters)
    context = cache.get(key) if CACHE_SECONDS else None
    if context is None:
        context = PANELS[name](filters, now)
        cache.set(key, context, CACHE_SECONDS)
    return context


@role_required(OPERATIONS_LEAD)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The whole dashboard, or one panel of it when HTMX asks for `?panel=`."""
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters()
    now = timezone.now()
    context = {
        "form": form,
        "filters": filters,
        "query": urlencode(filters.as_query()),
        "now": now,
        "refresh_seconds": REFRESH_SECONDS,
    }
    panel = request.GET.get("panel", "")
    if request.htmx and panel in PANELS:
        context.update(panel_context(panel, filters, now))
        response = render(request, f"monitoring/dashboard.html#{panel}", context)
    else:
        for name in PANELS:
            context.update(panel_context(name, filters, now))
        response = render(request, "monitoring/dashboard.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _csv_response(name: str, header: list[str], rows: Iterable[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="oms-{name}-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _seconds(value: datetime.timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds():.0f}"


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def export_rows(name: str, filters: Filters, now: datetime.datetime) -> tuple[list[str], list]:
    """Header and rows of one dashboard list for BI tools (durations in seconds)."""
    if name == "states":
        header = ["status", *[key for key, *_rest in AGE_BUCKETS], "total"]
        rows = [
            [row.status, *row.buckets.values(), row.total]
            for row in selectors.orders_by_state(filters, now=now)
        ]
    elif name == "steps":
        header = ["step", "count", "median_seconds", "p90_seconds", "sla_seconds"]
        rows = [
            [row.step, row.stats.count, _seconds(row.stats.median), _seconds(row.stats.p90),
             _seconds(row.sla)]
            for row in selectors.step_durations(filters, now=now)
        ]  # fmt: skip
    elif name == "stuck":
        header = ["order", "shop", "location", "step", "reason", "since", "age_seconds",
                  "sla_seconds"]  # fmt: skip
        rows = [
            [item.number, item.shop, item.location, item.step, item.reason,
             item.since.isoformat(), _seconds(item.age(now)), _seconds(item.sla)]
            for item in selectors.stuck_orders(filters, now=now, limit=None)
        ]  # fmt: skip
    elif name == "backlog":
        header = ["location", "type", "open_delivery_orders", "created_today", "daily_capacity"]
        rows = [
            [row.code, row.type, row.backlog, row.today, row.capacity]
            for row in selectors.backlog_by_location(filters, now=now)
        ]
    elif name == "hourly":
        header = ["hour", "orders_today", "revenue_today", "orders_last_week",
                  "revenue_last_week"]  # fmt: skip
        rows = [
            [row.hour, row.orders_today, row.revenue_today, row.orders_last_week,
             row.revenue_last_week]
            for row in orders_per_hour(filters, now=now)
        ]  # fmt: skip
    elif name == "figures":
        figures = key_figures(filters, now=now)
        header = ["figure", "value", "numerator", "denominator"]
        rows = [
            ["orders", figures.orders, "", ""],
            ["revenue", figures.revenue, "", ""],
            ["parcels_per_order", _rate(figures.parcels_per_order), figures.parcels,
             figures.orders_shipped],
        ]  # fmt: skip
        for key in ("store_share", "cancellation_rate", "return_rate", "on_time_rate"):
            rate = getattr(figures, key)
            rows.append([key, _rate(rate.value), rate.numerator, rate.denominator])
    else:
        raise Http404
    return header, rows


EXPORTS = ("states", "steps", "stuck", "backlog", "hourly", "figures")


@role_required(OPERATIONS_LEAD)
def export(request: HttpRequest, name: str) -> HttpResponse:
    """One dashboard list as CSV, with the same filters as the page."""
    filters = DashboardFilterForm(request.GET or None).filters()
    header, rows = export_rows(name, filters, timezone.now())
    return _csv_response(name, header, rows)
