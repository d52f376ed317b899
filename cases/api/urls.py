"""Routes of the cases app's API; the project router takes over this registry."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from cases.api.feedback_views import FeedbackViewSet
from cases.api.inspection_views import InspectionViewSet
from cases.api.offsite_views import OffsiteRecordViewSet
from cases.api.plan_views import InspectionPlanViewSet
from cases.api.views import ViolationTypeViewSet

router = DefaultRouter()
router.register("violation-types", ViolationTypeViewSet, basename="violation-type")
router.register("offsite-records", OffsiteRecordViewSet, basename="offsite-record")
router.register("inspection-plans", InspectionPlanViewSet, basename="inspection-plan")
# On-site inspections (现场检查); the enterprise's escalation ladder is inspections/ladder/.
router.register("inspections", InspectionViewSet, basename="inspection")
# 服务评价、监督投诉: staff read and handle; feedback/submit/ is the enterprise's anonymous door.
router.register("feedback", FeedbackViewSet, basename="feedback")
