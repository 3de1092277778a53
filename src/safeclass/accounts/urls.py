from django.urls import path

from safeclass.accounts import views, views_families

app_name = "accounts"

urlpatterns = [
    path("dang-nhap/", views.login_view, name="login"),
    path("ngon-ngu/", views.language_view, name="language"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("kich-hoat/", views.activate_view, name="activate"),
    path("quen-mat-khau/", views.password_reset_request_view, name="password_reset_request"),
    path("dat-lai-mat-khau/<str:token>/", views.password_reset_view, name="password_reset"),
    path("xac-thuc-hai-buoc/", views.second_factor_view, name="second_factor"),
    path("xac-thuc-hai-buoc/cai-dat/", views.second_factor_setup_view, name="second_factor_setup"),
    path("xac-thuc-hai-buoc/ma-du-phong/", views.recovery_codes_view, name="recovery_codes"),
    path("xac-thuc-hai-buoc/tat/", views.second_factor_disable_view, name="second_factor_disable"),
    path("tai-khoan/bao-mat/", views.security_view, name="security"),
    path("tai-khoan/thong-tin/", views.profile_view, name="profile"),
    path("tai-khoan/doi-mat-khau/", views.password_change_view, name="password_change"),
    path("tai-khoan/phien/<str:session_id>/ket-thuc/", views.session_end_view, name="session_end"),
    path(
        "tai-khoan/phien-khac/ket-thuc/",
        views.sessions_end_others_view,
        name="sessions_end_others",
    ),
    path("tai-khoan/dong-y/", views.consent_view, name="consent"),
    path(
        "tai-khoan/dong-y/<int:student_id>/cho-phep/",
        views.consent_grant_view,
        name="consent_grant",
    ),
    path(
        "tai-khoan/dong-y/<int:record_id>/rut-lai/",
        views.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path("phu-huynh/lien-ket/", views_families.parent_link_view, name="parent_link"),
    path(
        "phu-huynh/loi-moi/<str:token>/",
        views_families.parent_invitation_view,
        name="parent_invitation",
    ),
    path(
        "con/<int:student_id>/dang-nhap-giup/",
        views_families.child_signin_link_view,
        name="child_signin_link",
    ),
    path("dang-nhap/mot-lan/<str:token>/", views_families.signin_link_view, name="signin_link"),
]
