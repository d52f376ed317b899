"""Public pages of the cases app (no login): the disclosure of random inspections."""

from __future__ import annotations

from django.urls import path

from cases import public_views

app_name = "public_plans"

urlpatterns = [
    path("inspection-plans/", public_views.plan_list, name="list"),
    path("inspection-plans/<int:pk>/", public_views.plan_detail, name="detail"),
]
