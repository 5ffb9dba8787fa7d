from django.core.paginator import InvalidPage
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from oms.errors import InvalidInput

# The list endpoints' page parameters, for their OpenAPI description.
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter("page_size", int, description="Items per page: 50 unless given, at most 200."),
]


class PagePagination(PageNumberPagination):
    """Pages of 50 (`?page_size=` up to 200); a page that does not exist is a 400 on `page`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        # DRF answers 404 "Invalid page.", which reads like a missing endpoint; the contract
        # answers a bad parameter with a field-level 400.
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        try:
            self.page = paginator.page(self.get_page_number(request, paginator))
        except InvalidPage as exc:
            detail = _("%(reason)s: ask for a page from 1 to %(last)d.") % {
                "reason": exc,
                "last": paginator.num_pages,
            }
            raise InvalidInput(
                [{"attr": "page", "code": "invalid_page", "detail": detail}]
            ) from exc
        return list(self.page)


def page_response(request: Request, rows, serializer_class, **context) -> Response:
    """One page of `rows` as `{"count", "next", "previous", "results"}`."""
    paginator = PagePagination()
    page = paginator.paginate_queryset(rows, request)
    return paginator.get_paginated_response(serializer_class(page, many=True, **context).data)


def paginated(serializer_class) -> serializers.Serializer:
    """The OpenAPI shape of one page of `serializer_class` items, as `page_response` answers."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
