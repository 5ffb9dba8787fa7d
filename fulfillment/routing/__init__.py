"""The routing (sourcing) engine and delivery-date calendar: plain Python, no Django."""

from fulfillment.routing.calendar import earliest_delivery
from fulfillment.routing.engine import (
    CRITERIA,
    Allocation,
    Candidate,
    CandidateReport,
    Filters,
    Line,
    RoutingResult,
    Rule,
    Strategy,
    Weights,
    route,
)

__all__ = [
    "CRITERIA",
    "Allocation",
    "Candidate",
    "CandidateReport",
    "Filters",
    "Line",
    "RoutingResult",
    "Rule",
    "Strategy",
    "Weights",
    "earliest_delivery",
    "route",
]
