from django.urls import path

from safeclass.classes import views

app_name = "classes"

urlpatterns = [
    path("lop/", views.class_list_view, name="class_list"),
    path("lop/<int:class_id>/", views.class_detail_view, name="class_detail"),
]
