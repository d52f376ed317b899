"""统计看板: the page, its build button and the build's progress."""

from __future__ import annotations

from django.urls import path

from stats.dashboard_views import dashboard, dashboard_build, dashboard_progress

urlpatterns = [
    path("", dashboard, name="stats-dashboard"),
    path("build/", dashboard_build, name="stats-dashboard-build"),
    path("builds/<int:pk>/progress/", dashboard_progress, name="stats-dashboard-progress"),
]
