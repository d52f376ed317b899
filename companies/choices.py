from django.db import models


class PermitCategory(models.TextChoices):
    KEY = "key", "重点管理"
    SIMPLIFIED = "simplified", "简化管理"
    REGISTRATION = "registration", "登记管理"
    NONE = "none", "未纳入排污许可管理"


class PerformanceGrade(models.TextChoices):
    A = "A", "A级"
    B = "B", "B级"
    C = "C", "C级"
    D = "D", "D级"
    UNRATED = "", "未评级"


class EnterpriseStatus(models.TextChoices):
    OPERATING = "operating", "在营"
    SUSPENDED = "suspended", "停产"
    CLOSED = "closed", "关停"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "导入中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class VisitKind(models.TextChoices):
    ROUTINE = "routine", "日常走访"
    ASSISTANCE = "assistance", "帮扶"
    POLICY = "policy", "政策宣讲"
    FOLLOW_UP = "follow_up", "回访"


class DemandCategory(models.TextChoices):
    EIA = "eia", "环评及审批"
    PERMIT = "permit", "排污许可"
    TECHNIQUE = "technique", "污染防治技术"
    FINANCE = "finance", "资金及绿色金融"
    ENFORCEMENT = "enforcement", "执法监管"
    OTHER = "other", "其他"


class DemandStatus(models.TextChoices):
    OPEN = "open", "待办理"
    IN_PROGRESS = "in_progress", "办理中"
    RESOLVED = "resolved", "已解决"
    UNRESOLVABLE = "unresolvable", "无法解决"
