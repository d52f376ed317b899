"""Routes of the cases app's API; the project router takes over this registry."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from cases.api.offsite_views import OffsiteRecordViewSet
from cases.api.plan_views import InspectionPlanViewSet
from cases.api.views import ViolationTypeViewSet

router = DefaultRouter()
router.register("violation-types", ViolationTypeViewSet, basename="violation-type")
router.register("offsite-records", OffsiteRecordViewSet, basename="offsite-record")
router.register("inspection-plans", InspectionPlanViewSet, basename="inspection-plan")
