from django.db import models


class ViolationCategory(models.TextChoices):
    AIR = "air", "大气"
    WATER = "water", "水"
    SOLID_WASTE = "solid_waste", "固体废物和危险废物"
    EIA = "eia", "环境影响评价"
    DISCHARGE_PERMIT = "discharge_permit", "排污许可"
    SOIL = "soil", "土壤"
    NOISE = "noise", "噪声"
    OTHER = "other", "其他"


class FineRule(models.TextChoices):
    RANGE = "range", "固定金额区间"
    PERCENT = "percent", "按金额比例（如建设项目总投资额）"
    PER_DAY = "per_day", "按日计罚"
    PER_OCCURRENCE = "per_occurrence", "按次计罚"
    NONE = "none", "无罚款"


class CaseStatus(models.TextChoices):
    CLUE = "clue", "案件线索"
    FILED = "filed", "已立案"
    INVESTIGATING = "investigating", "调查取证"
    SUSPENDED = "suspended", "中止调查"
    REVIEW = "review", "案件审查"
    NOTIFIED = "notified", "已事先告知"
    HEARING = "hearing", "听证"
    LEGAL_REVIEW = "legal_review", "法制审核"
    COLLECTIVE_DISCUSSION = "collective_discussion", "集体讨论"
    DECIDED = "decided", "已作出处罚决定"
    SERVED = "served", "已送达"
    EXECUTING = "executing", "执行中"
    CLOSED = "closed", "已结案"
    ARCHIVED = "archived", "已归档"
    NOT_FILED = "not_filed", "不予立案"
    NO_PENALTY = "no_penalty", "不予处罚"
    TRANSFERRED = "transferred", "已移送"


class CaseSource(models.TextChoices):
    INSPECTION = "inspection", "现场检查"
    OFFSITE = "offsite", "非现场执法"
    COMPLAINT = "complaint", "投诉举报"
    TRANSFER = "transfer", "上级交办或部门移送"
    OTHER = "other", "其他"


class PartyKind(models.TextChoices):
    ORGANISATION = "organisation", "法人或其他组织"
    INDIVIDUAL = "individual", "公民（含个体工商户）"


class WaiverKind(models.TextChoices):
    MINOR = "minor", "轻微违法不予处罚"
    FIRST = "first", "首违不罚"
    NO_FAULT = "no_fault", "无主观过错不予处罚"


class PaymentPlan(models.TextChoices):
    FULL = "full", "一次缴纳"
    INSTALMENT = "instalment", "分期缴纳"
    DEFERRED = "deferred", "延期缴纳"


class PaymentKind(models.TextChoices):
    FINE = "fine", "罚款"
    LATE_FEE = "late_fee", "加处罚款"


class ClosingReason(models.TextChoices):
    PAID = "paid", "罚款已缴清"
    NO_FINE = "no_fine", "无罚款（仅其他处罚已执行）"
    WAIVED_BY_LAW = "waived_by_law", "依法免除或终结执行"
    COURT_ENFORCEMENT = "court_enforcement", "已申请人民法院强制执行"


class MeasureKind(models.TextChoices):
    DAILY_PENALTY = "daily_penalty", "按日连续处罚"
    SEAL_SEIZE = "seal_seize", "查封、扣押"
    PRODUCTION_RESTRICTION = "production_restriction", "限制生产、停产整治"
    DETENTION_TRANSFER = "detention_transfer", "移送行政拘留"
    CRIME_TRANSFER = "crime_transfer", "移送涉嫌环境犯罪"


class TransferKind(models.TextChoices):
    POLICE = "police", "移送公安机关"
    PROCURATORATE = "procuratorate", "移送检察机关"
    OTHER_AGENCY = "other_agency", "移送其他有管辖权的机关"


class CalendarSource(models.TextChoices):
    PACKAGE = "package", "chinese-calendar 软件包"
    MANUAL = "manual", "管理员按国务院通知录入"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "编制中"
    DRAWN = "drawn", "已抽取"
    PUBLISHED = "published", "已公开"


class PoolKind(models.TextChoices):
    KEY = "key", "重点监管对象"
    SPECIAL = "special", "特殊监管对象"
    GENERAL = "general", "一般监管对象"


class InspectionTrigger(models.TextChoices):
    RANDOM = "random", "双随机抽查"
    COMPLAINT = "complaint", "投诉举报"
    OFFSITE = "offsite", "非现场执法线索"
    FOLLOW_UP = "follow_up", "跟踪复查"
    CAMPAIGN = "campaign", "专项行动"
    OTHER = "other", "其他"


class InspectionStatus(models.TextChoices):
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    IN_PROGRESS = "in_progress", "检查中"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已取消"


class InspectionOutcome(models.TextChoices):
    NO_PROBLEM = "no_problem", "未发现问题"
    RECTIFICATION = "rectification", "责令改正"
    CASE = "case", "立案查处"


class SignatureStatus(models.TextChoices):
    PENDING = "pending", "待签字"
    SIGNED = "signed", "当事人已签字"
    REFUSED = "refused", "当事人拒绝签字"


class FindingSeverity(models.TextChoices):
    MINOR = "minor", "轻微"
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"


class FindingStatus(models.TextChoices):
    OPEN = "open", "未整改"
    CORRECTED = "corrected", "已整改"


class OffsiteSource(models.TextChoices):
    ONLINE_MONITORING = "online_monitoring", "在线监控"
    POWER_METERING = "power_metering", "分表计电"
    DCS = "dcs", "DCS"
    VIDEO = "video", "视频监控"
    ENERGY = "energy", "用能监测"
    REMOTE_SENSING = "remote_sensing", "无人机或卫星遥感"
    OTHER = "other", "其他"


class OffsiteStatus(models.TextChoices):
    NEW = "new", "待核查"
    VERIFYING = "verifying", "核查中"
    DISMISSED = "dismissed", "已排除"
    RECTIFIED_ONLINE = "rectified_online", "线上整改"
    INSPECTION_REQUESTED = "inspection_requested", "转现场检查"
    CASE_OPENED = "case_opened", "转立案查处"


class DismissalReason(models.TextChoices):
    DEVICE_FAULT = "device_fault", "设备故障"
    FALSE_ALARM = "false_alarm", "误报"


class LadderStep(models.TextChoices):
    NONE = "none", "无需措施"
    ASSISTANCE = "assistance", "帮扶"
    SUPERVISION = "supervision", "督导"
    PENALTY = "penalty", "严惩（立案查处）"
