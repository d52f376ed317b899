"""Public pages of the service evaluation (服务评价、监督投诉): no login; the link's
token is the only key. Included at ``/feedback/`` by the project's urls."""

from __future__ import annotations

from django.urls import path

from cases import feedback_views

urlpatterns = [
    path("thanks/", feedback_views.feedback_thanks, name="feedback-thanks"),
    path("<str:token>/", feedback_views.feedback_page, name="feedback-public"),
]
