"""统计看板: the page, its build button, the build's progress and the records
behind a number."""

from __future__ import annotations

from django.urls import path

from stats.dashboard_views import (
    dashboard,
    dashboard_build,
    dashboard_progress,
    dashboard_records,
)

urlpatterns = [
    path("", dashboard, name="stats-dashboard"),
    path("build/", dashboard_build, name="stats-dashboard-build"),
    path("builds/<int:pk>/progress/", dashboard_progress, name="stats-dashboard-progress"),
    path("records/<str:period>/<str:metric>/", dashboard_records, name="stats-dashboard-records"),
]
