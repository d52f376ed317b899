"""Roles are Django groups; this table is the one place that says what each may do.

A data migration creates the groups; after every ``migrate`` the groups are
given exactly the permissions below (new models' permissions only exist after
migrate, hence the post_migrate hook in AccountsConfig). Entries are
``app_label.codename``; ``app_label.*`` means every permission of that app and
``app_label.view_*`` every view permission. Names of apps that are not
installed yet are simply skipped.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    INSPECTOR = "inspector", "执法人员"
    LEGAL_REVIEWER = "legal_reviewer", "法制审核"
    APPROVER = "approver", "负责人"
    MANAGER = "manager", "统计/领导"
    ADMINISTRATOR = "administrator", "系统管理员"
    REPORTING_CLIENT = "reporting_client", "报表客户端"
    MONITORING_PLATFORM = "monitoring_platform", "监控平台"


# Group names are the stable role codes; the Chinese label is shown beside them.
ROLE_GROUP_NAMES = {role: role.value for role in Role}

# Roles whose members log in to the web UI (the admin).
STAFF_ROLES = {
    Role.INSPECTOR,
    Role.LEGAL_REVIEWER,
    Role.APPROVER,
    Role.MANAGER,
    Role.ADMINISTRATOR,
}

# Reference data (API.md): regions, units, industries and the violation library,
# whose codes and statutory texts are public law.
_READ_REFERENCE = [
    "accounts.view_region",
    "accounts.view_unit",
    "companies.view_industry",
    "cases.view_violationtype",
]
_READ_ALL = ["accounts.view_*", "companies.view_*", "cases.view_*", "stats.view_*"]
# Working a case: which step a role may take is decided by cases.workflow;
# these only open the doors (API, admin) to the case services.
_CASE_WORK = [
    "cases.add_penaltycase",
    "cases.change_penaltycase",
    "cases.add_evidence",
    "cases.add_payment",
    "cases.add_specialmeasure",
    "cases.change_specialmeasure",
    "cases.add_caseevent",
]
# Triage of non-site records (cases.offsite_services decides who takes a step).
_OFFSITE_TRIAGE = ["cases.change_offsiterecord"]
# Service to enterprises (走访解促): recording visits, demands and symposiums and
# moving demands (companies.service_visits); the policy-card list is kept by
# administrators. Managers and reporting clients read them through _READ_ALL.
_SERVICE_WORK = [
    "companies.add_visit",
    "companies.change_visit",
    "companies.add_demand",
    "companies.change_demand",
    "companies.add_symposium",
    "companies.change_symposium",
]

# On-site inspections (现场检查): requesting, checking in, findings, signature,
# completion and the ladder's decision. Approving is the approver's (负责人)
# step, which cases.inspection_services checks by role.
_INSPECTION_WORK = [
    "cases.add_inspection",
    "cases.change_inspection",
    "cases.add_finding",
    "cases.change_finding",
    "cases.add_checkin",
    "cases.add_ladderdecision",
]

# Service evaluation and complaints (服务评价、监督投诉): officers hand the
# enterprise a one-time link at the end of a visit or an inspection; the
# supervisors (负责人, administrators) handle the complaints
# (cases.feedback_services checks the role, the scope and that nobody handles
# a complaint about themselves).
_FEEDBACK_LINKS = ["cases.add_feedbacklink"]
COMPLAINT_HANDLER_ROLES = frozenset({Role.APPROVER, Role.ADMINISTRATOR})
# Roles that read every feedback of their regions, complaints included; other
# staff read only the ratings of the visits and inspections they took part in.
FEEDBACK_READER_ROLES = frozenset(
    {Role.APPROVER, Role.ADMINISTRATOR, Role.MANAGER, Role.REPORTING_CLIENT}
)

# Half-year statistics (stats): who reads the snapshots and who may start a
# build (stats.api checks these roles on top of the model permissions).
STATS_READER_ROLES = frozenset(
    {Role.MANAGER, Role.REPORTING_CLIENT, Role.APPROVER, Role.ADMINISTRATOR}
)
STATS_BUILDER_ROLES = frozenset({Role.MANAGER, Role.ADMINISTRATOR})

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.INSPECTOR: [
        *_READ_ALL,
        *_CASE_WORK,
        *_INSPECTION_WORK,
        *_SERVICE_WORK,
        *_OFFSITE_TRIAGE,
        *_FEEDBACK_LINKS,
        "companies.add_enterprise",
        "companies.change_enterprise",
        "companies.add_enterpriseimport",
        "companies.add_positivelistentry",
        "companies.change_positivelistentry",
    ],
    Role.LEGAL_REVIEWER: [*_READ_ALL, "cases.change_penaltycase", "cases.add_caseevent"],
    Role.APPROVER: [
        *_READ_ALL,
        *_CASE_WORK,
        *_INSPECTION_WORK,
        # Re-issuing an enterprise's check-in code revokes the printed ones.
        "cases.change_checkincode",
        *_SERVICE_WORK,
        *_OFFSITE_TRIAGE,
        *_FEEDBACK_LINKS,
        # Complaints (监督投诉): the approver takes, answers and closes them.
        "cases.change_feedback",
        # 双随机 plans: the approver drafts, draws and publishes them.
        "cases.add_inspectionplan",
        "cases.change_inspectionplan",
        "stats.read_dashboard",
        "companies.add_enterprise",
        "companies.change_enterprise",
        "companies.add_enterpriseimport",
        "companies.add_positivelistentry",
        "companies.change_positivelistentry",
    ],
    Role.MANAGER: [*_READ_ALL, "stats.add_halfyearsnapshot", "stats.read_dashboard"],
    Role.ADMINISTRATOR: [
        "accounts.*",
        "companies.*",
        "cases.*",
        "stats.*",
        "auth.view_user",
        "auth.change_user",
        "auth.add_user",
        "auth.view_group",
        "authtoken.view_tokenproxy",
        "authtoken.add_tokenproxy",
        "authtoken.delete_tokenproxy",
    ],
    Role.REPORTING_CLIENT: [*_READ_ALL],
    # Writes non-site records and reads nothing of the enterprises: a platform
    # names an enterprise by its USCC or id and reads the reference data only.
    Role.MONITORING_PLATFORM: [*_READ_REFERENCE, "cases.add_offsiterecord"],
}


def _resolve(patterns: list[str]):
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    query = Q(pk__in=[])
    for pattern in patterns:
        app_label, codename = pattern.split(".", 1)
        if codename == "*":
            query |= Q(content_type__app_label=app_label)
        elif codename.endswith("*"):
            query |= Q(content_type__app_label=app_label, codename__startswith=codename[:-1])
        else:
            query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(query)


def sync_role_permissions(sender=None, **kwargs) -> None:
    """Create the role groups if missing and set their permissions to the table."""
    from django.contrib.auth.models import Group

    using = kwargs.get("using", "default")
    if using != "default":
        return
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role(role)])
        group.permissions.set(_resolve(patterns))
