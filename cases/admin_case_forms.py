"""Forms of the penalty-case pages in the admin (cases.admin_cases).

They only collect input: which fields a step asks for, their labels and
widgets. Whether the input is acceptable is for the services to say
(cases.services, cases.workflow, cases.penalties); their refusals are put on
the form by ``add_domain_error`` under the field they name.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from unfold.widgets import (
    BASE_INPUT_CLASSES,
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSelect2MultipleWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from cases.choices import (
    CaseSource,
    CaseStatus,
    ClosingReason,
    MeasureKind,
    PartyKind,
    PaymentKind,
    PaymentPlan,
    TransferKind,
    ViolationCategory,
    WaiverKind,
)
from cases.services import EVIDENCE_TYPES
from ecoenforce.errors import DomainError

S = CaseStatus
BLANK = [("", "请选择")]


# --- widgets and fields in the admin's look -------------------------------------------


class DateInput(forms.DateInput):
    """The browser's own date picker: no script, and the phone's native one."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"class": " ".join([*BASE_INPUT_CLASSES, "max-w-sm"]), **(attrs or {})},
            format="%Y-%m-%d",
        )


def date_field(label: str, *, required: bool = False, today: bool = False, help_text: str = ""):
    return forms.DateField(
        label=label,
        required=required,
        initial=timezone.localdate if today else None,
        widget=DateInput(),
        help_text=help_text,
    )


def text_field(label: str, *, required: bool = False, max_length: int = 300, help_text: str = ""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=UnfoldAdminTextInputWidget(),
        help_text=help_text,
    )


def textarea_field(label: str, *, required: bool = False, rows: int = 3, help_text: str = ""):
    return forms.CharField(
        label=label,
        required=required,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": rows}),
        help_text=help_text,
    )


def money_field(label: str, *, required: bool = False, help_text: str = "", initial=None):
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        initial=initial,
        widget=UnfoldAdminDecimalFieldWidget(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text=help_text,
    )


def choice_field(label: str, choices, *, required: bool = False, initial=None, help_text=""):
    return forms.ChoiceField(
        label=label,
        choices=BLANK + list(choices),
        required=required,
        initial=initial,
        widget=UnfoldAdminSelectWidget(),
        help_text=help_text,
    )


def flag_field(label: str, *, initial: bool = False, help_text: str = ""):
    return forms.BooleanField(
        label=label,
        required=False,
        initial=initial,
        widget=UnfoldBooleanWidget(),
        help_text=help_text,
    )


def yuan(amount: Decimal | str | None) -> str:
    """Money as the pages show it: ``50,000.00 元``."""
    if amount is None or amount == "":
        return "—"
    try:
        return f"{Decimal(str(amount)):,.2f} 元"
    except InvalidOperation:
        return str(amount)


def add_domain_error(form: forms.Form, error: DomainError, field_map: dict | None = None) -> None:
    """Show a service's refusal on the form, under the field it names if the form has it."""
    for item in error.items:
        name = (field_map or {}).get(item.field, item.field)
        form.add_error(name if name in form.fields else None, item.message)


# --- registering a clue ------------------------------------------------------------


class CaseRegisterForm(forms.Form):
    """案件线索登记: who, where from, when found, and the officers (the violations
    come in ``ViolationFormSet``). Choices are scoped by the admin."""

    enterprise = forms.ModelChoiceField(label="当事企业", queryset=None)
    party_kind = choice_field(
        "当事人类型", PartyKind.choices, required=True, initial=PartyKind.ORGANISATION
    )
    source = choice_field("案件来源", CaseSource.choices, required=True)
    source_reference = text_field(
        "来源记录", max_length=100, help_text="投诉编号、交办文号、非现场执法记录编号等"
    )
    discovered_on = date_field(
        "发现日期", required=True, today=True, help_text="发现违法线索的日期，补录时填写实际日期"
    )
    title = text_field("案由", help_text="留空则按违法行为名称生成")
    officers = forms.ModelMultipleChoiceField(
        label="承办人员",
        queryset=None,
        widget=UnfoldAdminSelect2MultipleWidget(),
        help_text="至少两名持有执法证的执法人员（行政处罚法第四十二条）",
    )

    def __init__(self, *args, enterprises, officers, enterprise_widget, **kwargs):
        super().__init__(*args, **kwargs)
        # The widget first: setting the queryset hands the widget its choices.
        enterprise_widget.is_required = True
        self.fields["enterprise"].widget = enterprise_widget
        self.fields["enterprise"].queryset = enterprises
        self.fields["officers"].queryset = officers


def violation_type_choices() -> list:
    """Active types of the violation library, grouped by category."""
    from cases.models import ViolationType

    groups: dict[str, list] = {}
    for code, name, category in (
        ViolationType.objects.filter(is_active=True)
        .order_by("category", "code")
        .values_list("code", "name", "category")
    ):
        groups.setdefault(category, []).append((code, f"{code} {name}"))
    labels = dict(ViolationCategory.choices)
    return [(labels.get(category, category), items) for category, items in groups.items()]


class ViolationRowForm(forms.Form):
    """One violation of the clue: its type, the facts, and what the fine is computed on."""

    violation_type = forms.ChoiceField(
        label="违法行为类型", choices=(), widget=UnfoldAdminSelectWidget()
    )
    facts = textarea_field("违法事实", required=True, rows=2)
    base_amount = money_field("计罚基数（元）", help_text="按比例计罚时填写，如建设项目总投资额")
    days = forms.IntegerField(
        label="违法天数", required=False, min_value=1, widget=UnfoldAdminIntegerFieldWidget()
    )
    occurrences = forms.IntegerField(
        label="违法次数", required=False, min_value=1, widget=UnfoldAdminIntegerFieldWidget()
    )

    def __init__(self, *args, type_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["violation_type"].choices = BLANK + list(type_choices)

    def item(self) -> dict:
        """The violation as ``case_register`` takes it."""
        data = self.cleaned_data
        item = {"type": data["violation_type"], "facts": data["facts"]}
        for name in ("base_amount", "days", "occurrences"):
            if data.get(name) is not None:
                item[name] = data[name]
        return item


ViolationFormSet = forms.formset_factory(ViolationRowForm, extra=1, max_num=20)


# --- the steps of the procedure ------------------------------------------------------


# The date a step takes effect, by target state: what the date means to the officer.
ON_LABELS = {
    S.FILED: "立案日期",
    S.NOT_FILED: "决定不予立案日期",
    S.TRANSFERRED: "移送日期",
    S.INVESTIGATING: "办理日期",
    S.SUSPENDED: "中止日期",
    S.REVIEW: "办理日期",
    S.NOTIFIED: "告知书送达日期",
    S.HEARING: "当事人申请听证日期",
    S.LEGAL_REVIEW: "提交法制审核日期",
    S.COLLECTIVE_DISCUSSION: "提交集体讨论日期",
    S.DECIDED: "决定日期",
    S.NO_PENALTY: "决定日期",
    S.SERVED: "决定书送达日期",
    S.EXECUTING: "办理日期",
    S.CLOSED: "结案日期",
    S.ARCHIVED: "归档日期",
}

# The step data each workflow handler reads (cases.workflow HANDLERS), by target.
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    S.NOT_FILED: ("reason",),
    S.TRANSFERRED: ("transfer_kind", "reason"),
    S.SUSPENDED: ("reason",),
    S.NOTIFIED: ("proposed_fine", "heavy_penalty", "is_complex", "other_penalties"),
    S.DECIDED: ("fine_amount", "fine_reason", "other_penalties"),
    S.NO_PENALTY: (
        "waiver_kind",
        "reason",
        "commitment_letter",
        "first_violation",
        "corrected",
        "no_harm",
    ),
    S.CLOSED: ("closing_reason", "reason"),
}
# Sending a case back asks why.
BACK_STEPS = {(S.REVIEW, S.INVESTIGATING), (S.LEGAL_REVIEW, S.REVIEW)}

REASON_LABELS = {
    S.NOT_FILED: "不予立案理由",
    S.TRANSFERRED: "移送理由",
    S.SUSPENDED: "中止理由",
    S.NO_PENALTY: "不予处罚理由",
    S.CLOSED: "依据说明",
}


def step_field_names(source: str, target: str) -> tuple[str, ...]:
    names = STEP_FIELDS.get(target, ())
    if (source, target) in BACK_STEPS:
        names = ("reason",)
    if target == S.DECIDED and source == S.COLLECTIVE_DISCUSSION:
        names = ("discussion_on", *names)
    return names


def _step_field(name: str, case, target: str) -> forms.Field:
    if name == "reason":
        help_text = "依法免除或申请人民法院强制执行结案时必填" if target == S.CLOSED else ""
        return textarea_field(REASON_LABELS.get(target, "退回理由"), help_text=help_text)
    if name == "transfer_kind":
        return choice_field("移送类型", TransferKind.choices)
    if name == "proposed_fine":
        return money_field(
            "拟罚款金额（元）",
            initial=case.recommended_fine,
            help_text=f"裁量建议金额：{yuan(case.recommended_fine)}；无罚款填 0",
        )
    if name == "heavy_penalty":
        return flag_field(
            "较重处罚（责令停产停业、吊销许可证、较大数额罚款等）", initial=case.heavy_penalty
        )
    if name == "is_complex":
        return flag_field("重大复杂案件（须法制审核与集体讨论）", initial=case.is_complex)
    if name == "other_penalties":
        return textarea_field("其他处罚", rows=2)
    if name == "fine_amount":
        return money_field(
            "罚款金额（元）",
            initial=case.proposed_fine,
            help_text=(
                f"告知的拟罚款金额：{yuan(case.proposed_fine)}；"
                f"裁量建议金额：{yuan(case.recommended_fine)}；无罚款填 0"
            ),
        )
    if name == "fine_reason":
        return textarea_field("偏离裁量建议的理由", help_text="罚款金额与裁量建议不同时必填")
    if name == "discussion_on":
        return date_field("集体讨论日期", help_text="不填则与决定日期相同")
    if name == "waiver_kind":
        return choice_field("不予处罚情形", WaiverKind.choices)
    if name == "commitment_letter":
        return text_field(
            "承诺书", max_length=200, help_text="轻微违法不予处罚、首违不罚须登记当事人的承诺书"
        )
    if name == "first_violation":
        return flag_field("初次违法")
    if name == "corrected":
        return flag_field("已及时改正")
    if name == "no_harm":
        return flag_field("危害后果轻微或未造成危害后果")
    if name == "closing_reason":
        return choice_field("结案理由", ClosingReason.choices)
    raise KeyError(name)


class StepForm(forms.Form):
    """One move of the procedure: its date, a note and the data the step needs.

    ``expected_status`` carries the state the case page showed, so a move made
    meanwhile by someone else is refused (409) rather than applied twice.
    """

    expected_status = forms.CharField(required=False, widget=forms.HiddenInput)
    on = date_field("办理日期", required=True, today=True)
    note = textarea_field("备注", rows=2)

    def __init__(self, *args, case, source: str, target: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].label = ON_LABELS.get(target, "办理日期")
        if (source, target) == (S.HEARING, S.LEGAL_REVIEW):
            # The workflow records this date as the day the hearing was held.
            self.fields["on"].label = "听证举行日期"
        self.fields["on"].help_text = "该环节实际发生的日期，默认今天；补录纸质案卷时填写实际日期"
        self.fields["expected_status"].initial = source
        self.step_fields = step_field_names(source, target)
        for name in self.step_fields:
            self.fields[name] = _step_field(name, case, target)
        self.order_fields(["expected_status", "on", *self.step_fields, "note"])

    def step_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.step_fields}


# --- in-state events, discretion, payments, measures, evidence ---------------------------

EVENT_REASON_LABELS = {
    "filing_extension": "延长理由",
    "decision_extension": "延长理由",
    "statement": "陈述、申辩要点",
    "rights_waived": "说明",
    "legal_review_pass": "审核意见",
}


class EventForm(forms.Form):
    on = date_field("日期", required=True, today=True)
    reason = textarea_field("理由或说明")

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = EVENT_REASON_LABELS.get(kind, "理由或说明")


def _signed_percent(percent: Decimal) -> str:
    text = format(percent.normalize(), "f")
    return text if percent < 0 else f"+{text}"


class DiscretionForm(forms.Form):
    """One choice per discretion factor of the case's violation types (河北省裁量基准)."""

    def __init__(self, *args, factors, **kwargs):
        super().__init__(*args, **kwargs)
        for factor in factors:
            self.fields[f"factor_{factor.key}"] = forms.ChoiceField(
                label=factor.label,
                choices=[
                    (option.key, f"{option.label}（{_signed_percent(option.percent)}%）")
                    for option in factor.options
                ],
                widget=UnfoldAdminRadioSelectWidget(),
            )

    def factors(self) -> dict[str, str]:
        return {
            name.removeprefix("factor_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("factor_")
        }

    def add_service_error(self, error: DomainError) -> None:
        for item in error.items:
            name = item.field or ""
            if name.startswith("factors."):
                name = f"factor_{name.removeprefix('factors.')}"
            self.add_error(name if name in self.fields else None, item.message)


class PaymentForm(forms.Form):
    kind = choice_field("款项", PaymentKind.choices, required=True, initial=PaymentKind.FINE)
    amount = money_field("金额（元）", required=True)
    paid_on = date_field("缴款日期", required=True, today=True)
    receipt_number = text_field("票据号", max_length=64)


class PaymentPlanForm(forms.Form):
    plan = choice_field(
        "缴款方式",
        [
            (PaymentPlan.DEFERRED, PaymentPlan.DEFERRED.label),
            (PaymentPlan.INSTALMENT, PaymentPlan.INSTALMENT.label),
        ],
    )
    due_on = date_field("新的缴款期限", required=True)
    reason = textarea_field(
        "批准理由", help_text="当事人确有经济困难的申请及审批情况（行政处罚法第六十六条）"
    )
    on = date_field("批准日期", required=True, today=True)


class MeasureForm(forms.Form):
    kind = choice_field("措施", MeasureKind.choices)
    on = date_field("决定或移送日期", required=True, today=True)
    ends_on = date_field(
        "期限届满日", help_text="查封、扣押不填则按 30 日计；限制生产、停产整治填写期限"
    )
    correction_served_on = date_field("责令改正送达日期", help_text="按日连续处罚必填")
    reinspected_on = date_field(
        "复查日期", help_text="按日连续处罚必填：复查发现仍在继续违法的日期"
    )
    note = textarea_field("说明", rows=2)


class SealExtensionForm(forms.Form):
    until = date_field("延长至", required=True, help_text="只能延长一次，最长 30 日")
    reason = textarea_field("延长理由")


class EvidenceFileInput(UnfoldAdminFileFieldWidget):
    """Unfold's file input with its placeholder in Chinese (unfold ships no translation)."""

    template_name = "cases/widgets/evidence_file_input.html"


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label="证据文件",
        widget=EvidenceFileInput(attrs={"accept": ",".join(sorted(EVIDENCE_TYPES))}),
        help_text="照片、视频、录音、PDF、Word、Excel、OFD；上传时计算 SHA-256 校验值",
    )
    description = text_field("说明", help_text="如 现场照片、询问笔录、监测报告")
