from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import AnonRateThrottle

from accounts.api.views import OfficerViewSet, RegionViewSet, UnitViewSet
from cases.api.case_views import PenaltyCaseViewSet
from cases.api.enterprise_file_views import EnterpriseComplianceView, EnterpriseTimelineView
from cases.api.plan_views import PublicPlanDetail, PublicPlanList
from cases.api.urls import router as cases_router
from cases.enterprise_file_views import enterprise_file_page
from companies.api.views import (
    DemandViewSet,
    EnterpriseViewSet,
    IndustryViewSet,
    PolicyCardViewSet,
    SymposiumViewSet,
    VisitViewSet,
)
from ecoenforce.health import healthz
from stats.api.export_views import HalfYearExportView
from stats.api.views import HalfYearViewSet


class TokenView(ObtainAuthToken):
    """``POST {"username", "password"}`` → ``{"token"}``; throttled per address."""

    throttle_classes = [AnonRateThrottle]


router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("industries", IndustryViewSet, basename="industry")
router.register("units", UnitViewSet, basename="unit")
router.register("officers", OfficerViewSet, basename="officer")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("policy-cards", PolicyCardViewSet, basename="policy-card")
router.register("visits", VisitViewSet, basename="visit")
router.register("demands", DemandViewSet, basename="demand")
router.register("symposiums", SymposiumViewSet, basename="symposium")
# Apps that keep their own router (cases.api.urls) join the one API root here.
router.registry.extend(cases_router.registry)
router.register("cases", PenaltyCaseViewSet, basename="case")
router.register("stats/half-years", HalfYearViewSet, basename="half-year")

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    # 双随机、一公开: published plans, anonymous and read-only.
    path("public/inspection-plans/", PublicPlanList.as_view(), name="public-plan-list"),
    path(
        "public/inspection-plans/<int:pk>/", PublicPlanDetail.as_view(), name="public-plan-detail"
    ),
    # 一企一档: views of cases under the enterprises of companies, ahead of its viewset.
    path(
        "enterprises/<int:pk>/timeline/",
        EnterpriseTimelineView.as_view(),
        name="enterprise-timeline",
    ),
    path(
        "enterprises/<int:pk>/compliance/",
        EnterpriseComplianceView.as_view(),
        name="enterprise-compliance",
    ),
    # Half-year statistics as XLSX, ahead of the router's stats routes.
    path(
        "stats/half-years/<int:year>-H<int:half>/export.xlsx",
        HalfYearExportView.as_view(),
        name="half-year-export",
    ),
    *router.urls,
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("public/", include("cases.public_urls")),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # 服务评价、监督投诉: the enterprise's one-time links, without login.
    path("feedback/", include("cases.feedback_urls")),
    # 一企一档: the enterprise file page (staff).
    path("enterprise-file/<int:pk>/", enterprise_file_page, name="enterprise-file"),
    # 统计看板: the managers' dashboard (staff).
    path("dashboard/", include("stats.dashboard_urls")),
    # 扫码入企: the phone page behind an enterprise's code, and the printable code.
    path("", include("cases.urls")),
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
]

# Uploaded files (evidence, import files) are never served from MEDIA_URL:
# evidence goes out only through the views that check its SHA-256 and scope.
