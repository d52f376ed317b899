"""Choices of the service evaluation and complaints (服务评价、监督投诉)."""

from django.db import models


class FeedbackKind(models.TextChoices):
    RATING = "rating", "服务评价"
    COMPLAINT = "complaint", "监督投诉"


class ComplaintStatus(models.TextChoices):
    NEW = "new", "待受理"
    HANDLING = "handling", "办理中"
    CLOSED = "closed", "已办结"


class FeedbackSubject(models.TextChoices):
    """What a feedback link was handed out at."""

    VISIT = "visit", "走访"
    INSPECTION = "inspection", "现场检查"
