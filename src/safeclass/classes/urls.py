from django.urls import path

from safeclass.classes import views

app_name = "classes"

urlpatterns = [
    path("lop/", views.class_list_view, name="class_list"),
    path("lop/<int:class_id>/", views.class_detail_view, name="class_detail"),
    path("lop/<int:class_id>/giao-vien/", views.class_teachers_view, name="class_teachers"),
    path("lop/<int:class_id>/nhap-danh-sach/", views.roster_import_view, name="roster_import"),
    path(
        "lop/<int:class_id>/nhap-danh-sach/<int:import_id>/",
        views.roster_preview_view,
        name="roster_preview",
    ),
    path("lop/<int:class_id>/danh-sach.xlsx", views.roster_export_view, name="roster_export"),
    path("lop/<int:class_id>/phieu-tai-khoan/", views.slips_view, name="slips"),
    path("lop/<int:class_id>/noi-quy/", views.class_rules_view, name="class_rules"),
    path(
        "lop/<int:class_id>/hoc-sinh/<int:enrollment_id>/sua-ten/",
        views.name_correct_view,
        name="name_correct",
    ),
    path(
        "lop/<int:class_id>/hoc-sinh/<int:enrollment_id>/roi-lop/",
        views.enrollment_leave_view,
        name="enrollment_leave",
    ),
    path("don-vi/<int:unit_id>/lop/", views.school_classes_view, name="school_classes"),
    path("don-vi/<int:unit_id>/noi-quy/", views.school_rules_view, name="school_rules"),
    path("noi-quy/", views.rules_pending_view, name="rules_pending"),
]
