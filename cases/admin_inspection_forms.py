"""Forms of the inspection pages in the admin (cases.admin_inspections).

They only collect input; whether it is acceptable is for
cases.inspection_services and cases.ladder to say, and their refusals are put
on the form by ``add_domain_error`` under the field they name.
"""

from __future__ import annotations

from django import forms
from unfold.widgets import (
    BASE_INPUT_CLASSES,
    UnfoldAdminSelect2MultipleWidget,
    UnfoldAdminSelectWidget,
)

from cases.admin_case_forms import (
    choice_field,
    date_field,
    flag_field,
    text_field,
    textarea_field,
    violation_type_choices,
)
from cases.choices import FindingSeverity, InspectionOutcome, InspectionTrigger, LadderStep


class InspectionRequestForm(forms.Form):
    """入企审批申请: the enterprise, why, when and by whom. Choices are scoped by the admin."""

    enterprise = forms.ModelChoiceField(label="企业", queryset=None)
    trigger = choice_field("检查事由", InspectionTrigger.choices, required=True)
    trigger_reason = textarea_field(
        "事由说明",
        rows=2,
        help_text="正面清单企业的现场检查须写明依据（非现场监测线索、投诉举报等）",
    )
    inspected_on = date_field(
        "检查日期", required=True, today=True, help_text="默认今天；补录时填写实际检查日期"
    )
    officers = forms.ModelMultipleChoiceField(
        label="检查人员",
        queryset=None,
        widget=UnfoldAdminSelect2MultipleWidget(),
        help_text="至少两名持有效执法证的执法人员",
    )
    offsite_record = forms.ModelChoiceField(
        label="非现场线索",
        queryset=None,
        required=False,
        widget=UnfoldAdminSelectWidget(),
        help_text="因非现场执法线索检查时选择",
    )
    follow_up_of = forms.ModelChoiceField(
        label="复查的原检查",
        queryset=None,
        required=False,
        widget=UnfoldAdminSelectWidget(),
        help_text="跟踪复查时选择；原检查未整改的问题将带入本次检查核实",
    )
    emergency = flag_field(
        "紧急检查（先行检查、事后补批）", help_text="突发环境事件、正在发生的违法行为等"
    )
    emergency_reason = textarea_field("紧急事由", rows=2)

    def __init__(
        self, *args, enterprises, officers, offsite_records, inspections, enterprise_widget, **kw
    ):
        super().__init__(*args, **kw)
        enterprise_widget.is_required = True
        self.fields["enterprise"].widget = enterprise_widget
        self.fields["enterprise"].queryset = enterprises
        self.fields["officers"].queryset = officers
        self.fields["offsite_record"].queryset = offsite_records
        self.fields["follow_up_of"].queryset = inspections


class NoteForm(forms.Form):
    note = textarea_field("审批意见", rows=3)

    def __init__(self, *args, label: str = "审批意见", required: bool = False, help_text="", **kw):
        super().__init__(*args, **kw)
        self.fields["note"].label = label
        self.fields["note"].required = required
        self.fields["note"].help_text = help_text


class DateTimeInput(forms.DateTimeInput):
    """The browser's own date-and-time picker."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"class": " ".join([*BASE_INPUT_CLASSES, "max-w-sm"]), **(attrs or {})},
            format="%Y-%m-%dT%H:%M",
        )


class StartForm(forms.Form):
    started_at = forms.DateTimeField(
        label="开始时间",
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="留空为现在（补录时填写实际时间）",
    )


class CancelForm(forms.Form):
    reason = textarea_field("取消理由", required=True, rows=3)


class FindingForm(forms.Form):
    violation_type = forms.ChoiceField(
        label="违法行为类型", choices=(), required=False, widget=UnfoldAdminSelectWidget()
    )
    description = textarea_field("问题描述", required=True, rows=3)
    severity = choice_field("严重程度", FindingSeverity.choices, required=True)
    corrected_on_spot = flag_field("当场整改")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["violation_type"].choices = [
            ("", "（不对应违法行为库）"),
            *violation_type_choices(),
        ]


class VerifyForm(forms.Form):
    corrected_on = date_field("核实日期", required=True, today=True)


class SignForm(forms.Form):
    signed_by = text_field("签字人", required=True, max_length=50)


class RefuseForm(forms.Form):
    witness = text_field("见证人", required=True, max_length=100, help_text="姓名及身份")
    note = textarea_field("说明", rows=2)


class CompleteForm(forms.Form):
    outcome = choice_field("检查结论", InspectionOutcome.choices, required=True)
    rectification_due_on = date_field("整改期限", help_text="责令改正时必填")
    summary = textarea_field("检查情况", rows=4)
    case_facts = textarea_field(
        "违法事实（立案时）",
        rows=3,
        help_text="立案查处时按发现问题的违法行为类型登记；此处填写的事实适用于各项违法行为，留空则用问题描述",
    )


class LadderDecisionForm(forms.Form):
    decided = choice_field("决定措施", LadderStep.choices, required=True)
    note = textarea_field("说明", rows=3, help_text="与系统建议不一致时须写明理由")
    decided_on = date_field("决定日期", required=True, today=True)
