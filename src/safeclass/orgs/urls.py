from django.urls import path

from safeclass.orgs import views

app_name = "orgs"

urlpatterns = [
    path("don-vi/", views.unit_list_view, name="unit_list"),
    path("don-vi/xa-phuong/", views.wards_view, name="wards"),
    path("don-vi/<int:unit_id>/", views.unit_detail_view, name="unit_detail"),
    path("don-vi/<int:unit_id>/them-don-vi/", views.unit_create_view, name="unit_create"),
    path("don-vi/<int:unit_id>/sua/", views.unit_edit_view, name="unit_edit"),
    path("don-vi/<int:unit_id>/chuyen/", views.unit_move_view, name="unit_move"),
    path("don-vi/<int:unit_id>/trang-thai/", views.unit_set_active_view, name="unit_set_active"),
    path("don-vi/<int:unit_id>/nhan-su/", views.unit_staff_view, name="unit_staff"),
    path("don-vi/<int:unit_id>/nam-hoc/", views.school_years_view, name="school_years"),
    path(
        "vai-tro/<int:membership_id>/ket-thuc/",
        views.membership_end_view,
        name="membership_end",
    ),
    path("nguoi-dung/<int:account_id>/", views.account_detail_view, name="account_detail"),
    path(
        "nguoi-dung/<int:account_id>/ma-kich-hoat/",
        views.account_activation_code_view,
        name="account_activation_code",
    ),
    path(
        "nguoi-dung/<int:account_id>/trang-thai/",
        views.account_set_active_view,
        name="account_set_active",
    ),
    path(
        "nguoi-dung/<int:account_id>/dat-lai-xac-thuc/",
        views.account_second_factor_reset_view,
        name="account_second_factor_reset",
    ),
]
