from django.urls import path

from safeclass.moderation import views

app_name = "moderation"

urlpatterns = [
    path("don-vi/<int:unit_id>/kiem-duyet/", views.policy_view, name="policy"),
]
