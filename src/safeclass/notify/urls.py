from django.urls import path

from safeclass.notify import views

app_name = "notify"

urlpatterns = [
    path("thong-bao/", views.notification_list_view, name="notification_list"),
    path(
        "thong-bao/<int:notification_id>/mo/",
        views.notification_open_view,
        name="notification_open",
    ),
    path(
        "thong-bao/da-doc-tat-ca/",
        views.notifications_mark_all_read_view,
        name="notifications_mark_all_read",
    ),
]
