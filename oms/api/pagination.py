from django.core.paginator import InvalidPage
from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination

from oms.errors import InvalidInput


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
