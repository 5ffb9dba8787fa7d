"""GET /api/v1/dashboard: the operations figures for system clients (BI, monitoring)."""

import datetime

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from monitoring import selectors
from monitoring.api.serializers import DashboardQuerySerializer, DashboardSerializer
from monitoring.figures import key_figures, orders_per_hour
from monitoring.selectors import Filters
from oms.api.permissions import IsSystemClient

PROBLEM = {"description": "application/problem+json"}


def _seconds(value: datetime.timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def dashboard_data(filters: Filters, now: datetime.datetime) -> dict:
    stuck = selectors.stuck_orders(filters, now=now, limit=100)
    figures = key_figures(filters, now=now)
    return {
        "generated_at": now,
        "window": filters.window,
        "filters": {key: value for key, value in filters.as_query().items() if key != "window"},
        "states": [
            {"status": row.status, **row.buckets, "total": row.total}
            for row in selectors.orders_by_state(filters, now=now)
        ],
        "steps": [
            {
                "step": row.step,
                "count": row.stats.count,
                "median_seconds": _seconds(row.stats.median),
                "p90_seconds": _seconds(row.stats.p90),
                "sla_seconds": _seconds(row.sla),
            }
            for row in selectors.step_durations(filters, now=now)
        ],
        "stuck": [
            {
                "number": item.number,
                "shop": item.shop,
                "location": item.location,
                "step": item.step,
                "reason": item.reason,
                "since": item.since,
                "age_seconds": _seconds(item.age(now)),
                "sla_seconds": _seconds(item.sla),
            }
            for item in stuck
        ],
        "stuck_total": selectors.stuck_count(filters, now=now),
        "backlog": [
            {
                "location": row.code,
                "type": row.type,
                "open_delivery_orders": row.backlog,
                "created_today": row.today,
                "daily_capacity": row.capacity,
            }
            for row in selectors.backlog_by_location(filters, now=now)
        ],
        "hourly": [vars(row) for row in orders_per_hour(filters, now=now)],
        "figures": {
            "orders": figures.orders,
            "revenue": figures.revenue,
            "parcels_per_order": figures.parcels_per_order,
            "store_share": figures.store_share.value,
            "cancellation_rate": figures.cancellation_rate.value,
            "return_rate": figures.return_rate.value,
            "on_time_rate": figures.on_time_rate.value,
        },
    }


@extend_schema(
    operation_id="dashboard_retrieve",
    tags=["Monitoring"],
    summary="Operations figures: orders by state, step durations, stuck orders, backlog, KPIs",
    parameters=[
        OpenApiParameter("window", str, enum=list(selectors.WINDOWS), description="Default 7d."),
        OpenApiParameter("shop", str, description="Shop code."),
        OpenApiParameter("channel", str, description="Sales channel, e.g. web, store."),
        OpenApiParameter("location", str, description="Location code."),
        OpenApiParameter("location_type", str, description="warehouse, store or dropshipper."),
    ],
    responses={200: DashboardSerializer, 400: PROBLEM, 401: PROBLEM, 403: PROBLEM},
)
@api_view(["GET"])
@permission_classes([IsSystemClient])
def dashboard(request: Request) -> Response:
    query = DashboardQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    filters = Filters(
        window=data.get("window") or selectors.DEFAULT_WINDOW,
        shop=data["shop"].code if data.get("shop") else "",
        channel=data.get("channel", ""),
        location=data["location"].code if data.get("location") else "",
        location_type=data.get("location_type", ""),
    )
    return Response(DashboardSerializer(dashboard_data(filters, timezone.now())).data)
