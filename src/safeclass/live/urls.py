from django.urls import path

from safeclass.live import views

app_name = "live"

urlpatterns = [
    path("lich/", views.calendar_view, name="calendar"),
    path("lich/dia-chi/", views.calendar_feed_view, name="calendar_feed"),
    path("lich/ical/<str:token>.ics", views.calendar_ics_view, name="calendar_ics"),
    path("don-vi/<int:unit_id>/tiet-hoc/", views.periods_view, name="periods"),
    path("lop/<int:class_id>/thoi-khoa-bieu/", views.timetable_view, name="timetable"),
    path("lop/<int:class_id>/buoi-hoc-moi/", views.session_create_view, name="session_create"),
    path("buoi-hoc/<int:session_id>/", views.session_detail_view, name="session_detail"),
    path("buoi-hoc/<int:session_id>/doi-lich/", views.session_move_view, name="session_move"),
    path("buoi-hoc/<int:session_id>/huy/", views.session_cancel_view, name="session_cancel"),
    path("buoi-hoc/<int:session_id>/tai-lieu/", views.material_add_view, name="material_add"),
    path("tai-lieu/<int:material_id>/", views.material_open_view, name="material_open"),
    path("tai-lieu/<int:material_id>/go/", views.material_remove_view, name="material_remove"),
    path("buoi-hoc/<int:session_id>/phong/", views.room_view, name="room"),
    path(
        "buoi-hoc/<int:session_id>/phong/dieu-khien/",
        views.room_control_view,
        name="room_control",
    ),
    path("buoi-hoc/<int:session_id>/phong/su-kien/", views.room_events_view, name="room_events"),
    path("buoi-hoc/<int:session_id>/diem-danh/", views.attendance_view, name="attendance"),
    path("lop/<int:class_id>/diem-danh/", views.class_attendance_view, name="class_attendance"),
    path("don-vi/<int:unit_id>/lop-truc-tuyen/", views.live_settings_view, name="settings"),
    path("buoi-hoc/<int:session_id>/tro-chuyen/", views.chat_view, name="chat"),
    path(
        "buoi-hoc/<int:session_id>/tro-chuyen/anh/<int:message_id>/",
        views.chat_image_view,
        name="chat_image",
    ),
    path(
        "buoi-hoc/<int:session_id>/tro-chuyen/cho-phep-anh/",
        views.chat_images_view,
        name="chat_images",
    ),
    path("kiem-duyet/", views.review_queue_view, name="review_queue"),
    path("kiem-duyet/<int:message_id>/", views.review_view, name="review"),
]
