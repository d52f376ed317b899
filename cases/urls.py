"""Pages of the cases app outside the admin and the API: the check-in codes."""

from __future__ import annotations

from django.urls import path

from cases import checkin_views

urlpatterns = [
    path("checkin/<str:token>/", checkin_views.checkin_page, name="checkin"),
    path("enterprises/<int:pk>/qr/", checkin_views.enterprise_qr, name="enterprise_checkin_qr"),
    path(
        "enterprises/<int:pk>/qr.svg",
        checkin_views.enterprise_qr_svg,
        name="enterprise_checkin_qr_svg",
    ),
]
