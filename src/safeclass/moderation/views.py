"""School moderation policy page (school IT admins and leaders)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from safeclass.core.context import Actor
from safeclass.core.errors import Forbidden, ServiceError
from safeclass.core.roles import Capability
from safeclass.moderation import selectors, services
from safeclass.moderation.engine import Action, Category, Sender
from safeclass.orgs import selectors as org_selectors

EDITABLE = [c for c in Category if c not in {Category.SEXUAL, Category.GROOMING, Category.IMAGE}]


@never_cache
@require_http_methods(["GET", "POST"])
def policy_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    school = org_selectors.access_unit(
        user=request.user, unit_id=unit_id, capability=Capability.MANAGE_MODERATION
    )
    if not school.is_school:
        raise Forbidden
    stored = selectors.stored_policy(school.pk)
    policy = selectors.engine_policy(stored)
    error = ""
    if request.method == "POST":
        actions = {
            str(sender): {
                str(category): request.POST.get(f"action-{sender}-{category}", "")
                for category in EDITABLE
            }
            for sender in Sender
        }
        try:
            services.policy_update(
                actor=Actor.from_request(request),
                school=school,
                allowed_domains=request.POST.get("allowed_domains", ""),
                allowed_phones=request.POST.get("allowed_phones", ""),
                actions=actions,
                mute_after=int(request.POST.get("mute_after") or 0),
                mute_window_minutes=int(request.POST.get("mute_window_minutes") or 0),
                mute_minutes=int(request.POST.get("mute_minutes") or 0),
            )
        except ValueError:
            error = _("Enter whole numbers for muting.")
        except ServiceError as problem:
            error = str(problem.message)
        else:
            messages.success(request, _("The moderation policy was saved."))
            return redirect("moderation:policy", unit_id=school.pk)
    rows = [
        {
            "category": category,
            "cells": [
                {"sender": sender, "value": policy.action(sender, category).label}
                for sender in Sender
            ],
        }
        for category in EDITABLE
    ]
    context = {
        "school": school,
        "stored": stored,
        "policy": policy,
        "rows": rows,
        "senders": list(Sender),
        "choices": [action.label for action in Action],
        "error": error,
        "post": request.POST if request.method == "POST" else None,
        "events": selectors.events_of_school(school.pk, limit=50),
    }
    return render(request, "moderation/policy.html", context)
