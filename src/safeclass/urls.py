"""Every route of SafeClass. The authorization-matrix test enumerates these."""

from django.urls import include, path

from safeclass.core import views as core_views
from safeclass.portal import views as portal_views

core_patterns = (
    [
        path("", portal_views.home_view, name="home"),
        path("healthz", core_views.health_view, name="health"),
    ],
    "core",
)

urlpatterns = [
    path("", include(core_patterns)),
    path("", include("safeclass.accounts.urls")),
    path("", include("safeclass.orgs.urls")),
    path("", include("safeclass.classes.urls")),
    path("", include("safeclass.moderation.urls")),
    path("", include("safeclass.live.urls")),
    path("", include("safeclass.portal.urls")),
    path("", include("safeclass.notify.urls")),
]

handler400 = "safeclass.core.views.bad_request"
handler403 = "safeclass.core.views.permission_denied"
handler404 = "safeclass.core.views.page_not_found"
handler500 = "safeclass.core.views.server_error"
