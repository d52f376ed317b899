"""The admin sidebar: the site's pages grouped the way the bureau works.

Named in ``settings.UNFOLD["SIDEBAR"]["navigation"]``; unfold calls it for
each page. An entry appears only when its model is registered in the admin
and the user may view it, so a page a role may not read is simply absent.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.urls import reverse

# (title, [(model label, title, material-symbols icon), …]); an entry whose
# label is "url:<url name>" is a plain link to a page that is not a model's,
# shown when LINK_ACCESS[url name](user) allows.
SIDEBAR_GROUPS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "统计",
        [
            ("url:stats-dashboard", "统计看板", "monitoring"),
        ],
    ),
    (
        "执法",
        [
            ("cases.PenaltyCase", "行政处罚案件", "gavel"),
            ("cases.Inspection", "现场检查", "fact_check"),
            ("cases.OffsiteRecord", "非现场执法记录", "sensors"),
            ("cases.InspectionPlan", "执法计划（双随机）", "casino"),
            ("cases.Finding", "发现问题", "report"),
            ("cases.LadderDecision", "阶梯式措施", "stairs"),
        ],
    ),
    (
        "服务企业",
        [
            ("companies.Visit", "走访", "handshake"),
            ("companies.Demand", "诉求", "contact_support"),
            ("companies.Symposium", "政企座谈会", "groups"),
            ("cases.Feedback", "服务评价与投诉", "reviews"),
            ("companies.PolicyCard", "政策明白卡", "description"),
        ],
    ),
    (
        "企业",
        [
            ("companies.Enterprise", "企业", "factory"),
            ("companies.PositiveListEntry", "正面清单", "verified"),
            ("companies.EnterpriseImport", "企业导入", "upload_file"),
            ("companies.Industry", "行业分类", "category"),
        ],
    ),
    (
        "法律依据与日历",
        [
            ("cases.ViolationType", "违法行为库", "menu_book"),
            ("cases.CalendarYear", "节假日安排", "calendar_month"),
        ],
    ),
    (
        "人员与区划",
        [
            ("accounts.Officer", "执法人员", "badge"),
            ("accounts.Unit", "执法单位", "account_balance"),
            ("accounts.Region", "行政区划", "map"),
            ("auth.User", "登录账号", "person"),
            ("auth.Group", "角色", "group"),
            ("authtoken.TokenProxy", "接口令牌", "key"),
        ],
    ),
]


def _dashboard_access(user) -> bool:
    from stats.dashboard_views import may_read_dashboard

    return may_read_dashboard(user)


# Who sees a plain link entry; the page itself checks access again.
LINK_ACCESS = {"stats-dashboard": _dashboard_access}


def sidebar_navigation(request) -> list[dict]:
    site = admin.site
    groups = []
    for title, entries in SIDEBAR_GROUPS:
        items = []
        for label, item_title, icon in entries:
            if label.startswith("url:"):
                url_name = label.removeprefix("url:")
                allowed = LINK_ACCESS.get(url_name)
                if allowed is not None and allowed(request.user):
                    items.append({"title": item_title, "icon": icon, "link": reverse(url_name)})
                continue
            try:
                model = apps.get_model(label)
            except LookupError:
                continue
            if not site.is_registered(model):
                continue
            if not site.get_model_admin(model).has_view_or_change_permission(request):
                continue
            opts = model._meta
            link = reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_changelist")
            items.append({"title": item_title, "icon": icon, "link": link})
        if items:
            groups.append({"title": title, "separator": True, "items": items})
    return groups
