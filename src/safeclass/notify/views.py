"""The person's own notifications: the list, opening one, marking all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeclass.notify import selectors, services
from safeclass.notify.links import is_site_relative

PAGE_SIZE = 20


def _person(request: HttpRequest) -> AbstractBaseUser:
    # The sign-in middleware has already sent anonymous visitors away.
    if not isinstance(request.user, AbstractBaseUser):
        raise PermissionDenied
    return request.user


@require_GET
def notification_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    # The unread count is the header's (``notify_unread``, from the context
    # processor): counted once per page, not once more here.
    return render(request, "notify/notification_list.html", {"page": page})


@require_POST
def notification_open_view(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = services.notification_mark_read(
        user=_person(request), notification_id=notification_id
    )
    if notification.url and is_site_relative(notification.url):
        return HttpResponseRedirect(notification.url)
    return redirect("notify:notification_list")


@require_POST
def notifications_mark_all_read_view(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=_person(request))
    messages.success(request, _("All your notifications are marked as read."))
    return redirect("notify:notification_list")
