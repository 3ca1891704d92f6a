"""The API's pagination: page numbers by default (settings ``DEFAULT_PAGINATION_CLASS``), keyset (cursor)
pagination for the long lists that clients walk to the end."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class KeysetPagination(pagination.CursorPagination):
    """Keyset pagination on a unique column: each page is one index range scan, never an OFFSET.

    A subclass names the column (``ordering``); follow ``next``: page 10,000 costs what page 1 costs."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
