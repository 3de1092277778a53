from django.urls import path

from safeclass.portal import views

app_name = "portal"

urlpatterns = [
    path("tro-giup/", views.help_view, name="help"),
    path("quyen-rieng-tu/", views.privacy_view, name="privacy"),
    path("don-vi/<int:unit_id>/hoc-sinh/", views.school_students_view, name="school_students"),
    path("hoc-sinh/<int:student_id>/", views.student_detail_view, name="student_detail"),
    path(
        "giam-ho/<int:guardianship_id>/xac-nhan/",
        views.guardianship_verify_view,
        name="guardianship_verify",
    ),
    path("nhat-ky/", views.audit_log_view, name="audit_log"),
]
