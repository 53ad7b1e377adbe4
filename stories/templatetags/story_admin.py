"""Template tags of the admin's story list."""

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy

from stories.admin.base import IndexedDates

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def indexed_date_hierarchy(cl):
    """Django's date hierarchy of the change list `cl`, its dates looked up in an index."""
    return date_hierarchy(IndexedDates.change_list(cl))
