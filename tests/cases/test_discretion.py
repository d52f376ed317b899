"""The discretion calculator (cases.discretion): Σ percentages × statutory maximum,
the statutory range of each fine rule, the factor table and its overrides, and
the checks the decision step relies on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases.discretion import (
    DEFAULT_FACTORS,
    Recommendation,
    build_factor_table,
    check_fine_in_range,
    recommend_fine,
    statutory_range,
)
from cases.models import ViolationType
from ecoenforce.errors import DomainError, ValidationFailed

# 25 %: general harm 10, negligence 5, ordinary method 5, ordinary area 5.
TYPICAL = {
    "harm": "general",
    "fault": "negligent",
    "method": "ordinary",
    "object": "general",
    "history": "first",
    "correction": "corrected",
    "sensitive_period": "normal",
}
# 15 % with a proactive correction (-5 %): the mildest choice.
MILDEST = {**TYPICAL, "harm": "minor", "correction": "proactive"}
# 100 %: the most severe choice of every factor.
MOST_SEVERE = {
    "harm": "severe",
    "fault": "intentional",
    "method": "concealed",
    "object": "protected",
    "history": "repeat",
    "correction": "refused",
    "sensitive_period": "sensitive",
}


def vtype(**fields) -> ViolationType:
    """An unsaved violation type: the calculator needs no database."""
    fields.setdefault("code", "TEST-1")
    fields.setdefault("name", "测试违法行为")
    fields.setdefault("category", "air")
    fields.setdefault("fine_rule", "range")
    return ViolationType(**fields)


def air_99(**fields) -> ViolationType:
    return vtype(fine_min=Decimal("100000"), fine_max=Decimal("1000000"), **fields)


def money(value: str) -> Decimal:
    return Decimal(value)


class TestDefaultTable:
    def test_most_severe_choice_sums_to_100_percent(self):
        assert sum(factor.max_percent for factor in DEFAULT_FACTORS) == 100

    def test_factors_named_by_the_hebei_method(self):
        assert [f.key for f in DEFAULT_FACTORS] == [
            "harm",
            "fault",
            "method",
            "object",
            "history",
            "correction",
            "sensitive_period",
        ]

    def test_correction_can_mitigate(self):
        correction = next(f for f in DEFAULT_FACTORS if f.key == "correction")
        assert correction.option("proactive").percent == -5


class TestRecommendRange:
    def test_sum_of_percentages_times_the_maximum(self):
        result = recommend_fine(violation_type=air_99(), factors=TYPICAL)
        assert isinstance(result, Recommendation)
        assert result.percent == 25
        assert result.amount == money("250000.00")
        assert (result.minimum, result.maximum) == (money("100000.00"), money("1000000.00"))

    def test_one_explanation_line_per_factor_in_table_order(self):
        result = recommend_fine(violation_type=air_99(), factors=MILDEST)
        assert result.lines == (
            "危害后果：危害后果轻微，+5%",
            "主观过错：过失，+5%",
            "违法手段：一般违法手段，+5%",
            "影响对象：一般区域，+5%",
            "违法次数：首次违法，+0%",
            "改正情况：主动消除或者减轻违法行为危害后果，-5%",
            "敏感时期：非敏感时期，+0%",
        )
        assert result.factors == MILDEST

    def test_never_below_the_statutory_minimum(self):
        # 15 % of 1,000,000 is 150,000, below 排污许可条例 art. 33's 200,000.
        permit_33 = vtype(fine_min=Decimal("200000"), fine_max=Decimal("1000000"))
        result = recommend_fine(violation_type=permit_33, factors=MILDEST)
        assert result.percent == 15
        assert result.amount == money("200000.00")
        assert "低于法定最低罚款，按最低限额 200,000 元" in result.summary

    def test_most_severe_reaches_the_maximum_exactly(self):
        result = recommend_fine(violation_type=air_99(), factors=MOST_SEVERE)
        assert result.percent == 100
        assert result.amount == result.maximum == money("1000000.00")

    def test_upper_limit_only(self):
        # 环评法 art. 31 para. 3: "处五万元以下的罚款": no minimum.
        unfiled = vtype(fine_min=None, fine_max=Decimal("50000"))
        result = recommend_fine(violation_type=unfiled, factors=MILDEST)
        assert result.minimum == 0
        assert result.amount == money("7500.00")

    def test_negative_sum_counts_as_zero_then_the_minimum(self):
        table = [{"key": "correction", "options": [{"key": "x", "label": "从轻", "percent": -50}]}]
        result = recommend_fine(
            violation_type=air_99(discretion_factors=table), factors={**MILDEST, "correction": "x"}
        )
        assert result.percent == -30
        assert result.amount == money("100000.00")

    def test_no_fine_rule(self):
        result = recommend_fine(violation_type=vtype(fine_rule="none"), factors=TYPICAL)
        assert result.amount == result.maximum == 0
        assert len(result.lines) == 7

    def test_as_dict_is_json_ready(self):
        data = recommend_fine(violation_type=air_99(), factors=TYPICAL).as_dict()
        assert data["amount"] == "250000.00"
        assert data["percent"] == 25
        assert len(data["lines"]) == 7


class TestRecommendPercent:
    def eia_31(self):
        return vtype(
            category="eia",
            fine_rule="percent",
            percent_min=Decimal("1"),
            percent_max=Decimal("5"),
            base_amount_label="建设项目总投资额",
        )

    def test_percentages_of_the_base_amount(self):
        result = recommend_fine(
            violation_type=self.eia_31(), factors=TYPICAL, base_amount=Decimal("20000000")
        )
        # 1 %–5 % of 20,000,000; 25 % of 1,000,000.
        assert (result.minimum, result.maximum) == (money("200000.00"), money("1000000.00"))
        assert result.amount == money("250000.00")
        assert "建设项目总投资额 20,000,000 元的 1%至 5%" in result.summary

    def test_floor_at_one_percent(self):
        result = recommend_fine(
            violation_type=self.eia_31(), factors=MILDEST, base_amount="3000000"
        )
        # 15 % × 150,000 = 22,500 < 1 % = 30,000.
        assert result.amount == money("30000.00")

    def test_rounding_stays_inside_a_range_with_fen(self):
        # 5 % of 246,913.45 is 12,345.67 (rounded down to the fen): 100 %
        # would round up to 12,346 yuan, above the maximum, so it is capped.
        result = recommend_fine(
            violation_type=self.eia_31(), factors=MOST_SEVERE, base_amount="246913.45"
        )
        assert result.maximum == money("12345.67")
        assert result.amount == money("12345.00")
        assert "超过法定最高罚款" in result.summary

    def test_base_amount_required(self):
        with pytest.raises(DomainError) as excinfo:
            recommend_fine(violation_type=self.eia_31(), factors=TYPICAL)
        assert excinfo.value.code == "base_amount_required"
        assert excinfo.value.field == "base_amount"
        assert (
            excinfo.value.message
            == "该违法行为按建设项目总投资额的比例计罚，须填写建设项目总投资额"
        )

    @pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.234"])
    def test_base_amount_must_be_a_positive_amount(self, bad):
        with pytest.raises(DomainError) as excinfo:
            recommend_fine(violation_type=self.eia_31(), factors=TYPICAL, base_amount=bad)
        assert (excinfo.value.code, excinfo.value.field) == ("invalid", "base_amount")


class TestRecommendPerDayAndOccurrence:
    def test_per_day_multiplies_the_daily_range(self):
        daily = vtype(fine_rule="per_day", fine_min=Decimal("1000"), fine_max=Decimal("10000"))
        result = recommend_fine(violation_type=daily, factors=TYPICAL, days=30)
        assert (result.minimum, result.maximum) == (money("30000.00"), money("300000.00"))
        assert result.amount == money("75000.00")
        assert "每日 1,000 元至 10,000 元 × 30 日" in result.summary

    def test_per_occurrence_multiplies_the_range_per_occurrence(self):
        # 排污许可条例 art. 37: 5,000–20,000 yuan each time.
        permit_37 = vtype(
            fine_rule="per_occurrence", fine_min=Decimal("5000"), fine_max=Decimal("20000")
        )
        result = recommend_fine(violation_type=permit_37, factors=TYPICAL, occurrences=3)
        assert (result.minimum, result.maximum) == (money("15000.00"), money("60000.00"))
        assert result.amount == money("15000.00")
        severe = recommend_fine(violation_type=permit_37, factors=MOST_SEVERE, occurrences=3)
        assert severe.amount == money("60000.00")

    def test_days_required(self):
        daily = vtype(fine_rule="per_day", fine_min=Decimal("1000"), fine_max=Decimal("10000"))
        with pytest.raises(DomainError) as excinfo:
            recommend_fine(violation_type=daily, factors=TYPICAL)
        assert (excinfo.value.code, excinfo.value.field) == ("days_required", "days")
        with pytest.raises(DomainError) as excinfo:
            recommend_fine(violation_type=daily, factors=TYPICAL, days=0)
        assert (excinfo.value.code, excinfo.value.message) == ("invalid", "违法天数须为正整数")

    def test_occurrences_required(self):
        each = vtype(
            fine_rule="per_occurrence", fine_min=Decimal("5000"), fine_max=Decimal("20000")
        )
        with pytest.raises(DomainError) as excinfo:
            recommend_fine(violation_type=each, factors=TYPICAL)
        assert (excinfo.value.code, excinfo.value.field) == ("occurrences_required", "occurrences")


class TestFactorErrors:
    def test_missing_factor(self):
        factors = dict(TYPICAL)
        del factors["harm"]
        with pytest.raises(ValidationFailed) as excinfo:
            recommend_fine(violation_type=air_99(), factors=factors)
        assert [item.as_dict() for item in excinfo.value.items] == [
            {
                "field": "factors.harm",
                "code": "factor_required",
                "message": "请选择裁量因素“危害后果”",
            }
        ]

    def test_unknown_factor(self):
        with pytest.raises(ValidationFailed) as excinfo:
            recommend_fine(violation_type=air_99(), factors={**TYPICAL, "weather": "rain"})
        item = excinfo.value.items[0]
        assert (item.field, item.code) == ("factors.weather", "unknown_factor")
        assert item.message.startswith("该违法行为没有裁量因素“weather”")

    def test_unknown_option(self):
        with pytest.raises(ValidationFailed) as excinfo:
            recommend_fine(violation_type=air_99(), factors={**TYPICAL, "fault": "reckless"})
        item = excinfo.value.items[0]
        assert (item.field, item.code) == ("factors.fault", "unknown_option")
        assert item.message == "裁量因素“主观过错”没有选项“reckless”，可选：negligent、intentional"

    def test_every_problem_reported_at_once(self):
        with pytest.raises(ValidationFailed) as excinfo:
            recommend_fine(violation_type=air_99(), factors={"fault": "reckless"})
        codes = [item.code for item in excinfo.value.items]
        assert codes.count("factor_required") == 6
        assert codes.count("unknown_option") == 1

    def test_factors_must_be_an_object(self):
        with pytest.raises(DomainError) as excinfo:
            recommend_fine(violation_type=air_99(), factors=["harm"])
        assert excinfo.value.field == "factors"


class TestFactorTableOverrides:
    def test_replace_a_factor_keeping_its_label(self):
        table = build_factor_table(
            [
                {
                    "key": "method",
                    "options": [
                        {"key": "single", "label": "一种方式", "percent": 10},
                        {"key": "multiple", "label": "多种方式", "percent": 15},
                    ],
                }
            ]
        )
        method = next(f for f in table if f.key == "method")
        assert method.label == "违法手段"
        assert [o.key for o in method.options] == ["single", "multiple"]
        assert [f.key for f in table] == [f.key for f in DEFAULT_FACTORS]

    def test_omit_and_add_factors(self):
        table = build_factor_table(
            [
                {"key": "sensitive_period", "omit": True},
                {
                    "key": "scale",
                    "label": "违法规模",
                    "options": [{"key": "small", "label": "小", "percent": "2.5"}],
                },
            ]
        )
        assert [f.key for f in table][-2:] == ["correction", "scale"]
        result = recommend_fine(
            violation_type=air_99(
                discretion_factors=[
                    {"key": "sensitive_period", "omit": True},
                    {
                        "key": "scale",
                        "label": "违法规模",
                        "options": [{"key": "small", "label": "小", "percent": "2.5"}],
                    },
                ]
            ),
            factors={
                **{k: v for k, v in TYPICAL.items() if k != "sensitive_period"},
                "scale": "small",
            },
        )
        assert result.percent == Decimal("27.5")
        assert result.amount == money("275000.00")
        assert result.lines[-1] == "违法规模：小，+2.5%"

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"harm": {}}, "裁量因素须为列表（JSON 数组）"),
            (["harm"], "裁量因素第 1 项须为对象"),
            ([{"key": "Harm!"}], "裁量因素第 1 项的 key 须为小写英文字母开头的标识"),
            ([{"key": "scale", "options": []}], "裁量因素 scale 须填写名称 label"),
            ([{"key": "harm", "options": []}], "裁量因素 harm 须至少有一个选项 options"),
            (
                [{"key": "harm", "options": [{"key": "a", "label": "甲", "percent": "x"}]}],
                "裁量因素 harm 选项第 1 项的百分值须为数字",
            ),
            (
                [{"key": "harm", "options": [{"key": "a", "label": "甲", "percent": 101}]}],
                "裁量因素 harm 选项第 1 项的百分值须在 -100 至 100 之间",
            ),
            (
                [{"key": "harm", "options": [{"key": "a", "label": "甲", "percent": True}]}],
                "裁量因素 harm 选项第 1 项的百分值须为数字",
            ),
            (
                [
                    {
                        "key": "harm",
                        "options": [
                            {"key": "a", "label": "甲", "percent": 1},
                            {"key": "a", "label": "乙", "percent": 2},
                        ],
                    }
                ],
                "裁量因素 harm 的选项 a 重复",
            ),
            ([{"key": "harm", "omit": True}, {"key": "harm", "omit": True}], "裁量因素 harm 重复"),
            ([{"key": "scale", "omit": True}], "裁量因素 scale 不是默认裁量因素，无法省略"),
            (
                [{"key": "harm", "omit": True, "label": "x"}],
                "裁量因素 harm 已标记省略，不应再含其他内容",
            ),
            ([{"key": "harm", "weight": 2, "options": []}], "裁量因素 harm 含有未知字段：weight"),
            (
                [{"key": f.key, "omit": True} for f in DEFAULT_FACTORS],
                "至少保留一个裁量因素",
            ),
            (
                [{"key": "harm", "options": [{"key": "a", "label": "甲", "percent": 30}]}],
                "各裁量因素最高百分值之和为 105%，不得超过 100%",
            ),
        ],
    )
    def test_invalid_tables_are_refused(self, overrides, message):
        with pytest.raises(DomainError) as excinfo:
            build_factor_table(overrides)
        assert excinfo.value.code == "invalid_discretion_factors"
        assert excinfo.value.field == "discretion_factors"
        assert excinfo.value.message.startswith(message)

    def test_model_clean_reports_the_table_on_its_field(self):
        bad = air_99(discretion_factors=[{"key": "harm"}])
        with pytest.raises(ValidationError) as excinfo:
            bad.clean()
        assert excinfo.value.message_dict == {
            "discretion_factors": ["裁量因素 harm 须至少有一个选项 options"]
        }


class TestModelClean:
    def test_range_needs_a_maximum(self):
        with pytest.raises(ValidationError) as excinfo:
            vtype(fine_min=Decimal("1000")).clean()
        assert excinfo.value.message_dict == {"fine_max": ["该罚款方式须填写罚款上限"]}

    def test_percent_needs_its_percentages_and_base(self):
        with pytest.raises(ValidationError) as excinfo:
            vtype(fine_rule="percent").clean()
        assert set(excinfo.value.message_dict) == {
            "percent_min",
            "percent_max",
            "base_amount_label",
        }

    def test_incomplete_type_is_refused_by_the_calculator(self):
        with pytest.raises(DomainError) as excinfo:
            statutory_range(violation_type=vtype(fine_max=None))
        assert excinfo.value.code == "violation_type_incomplete"


class TestCheckFineInRange:
    def check(self, amount, recommended=Decimal("250000.00"), reason="", **facts):
        check_fine_in_range(
            violation_type=facts.pop("violation_type", air_99()),
            amount=amount,
            recommended=recommended,
            reason=reason,
            **facts,
        )

    def test_the_recommended_amount_needs_no_reason(self):
        self.check(Decimal("250000"))

    def test_a_recommendation_object_is_accepted(self):
        recommendation = recommend_fine(violation_type=air_99(), factors=TYPICAL)
        self.check("250000.00", recommended=recommendation)

    @pytest.mark.parametrize("amount", ["99999.99", "1000000.01", "0"])
    def test_outside_the_statutory_range_is_refused_even_with_a_reason(self, amount):
        with pytest.raises(DomainError) as excinfo:
            self.check(amount, reason="当事人经营困难")
        assert (excinfo.value.code, excinfo.value.field) == ("fine_out_of_range", "fine_amount")
        assert "超出法定罚款幅度（100,000 元至 1,000,000 元）" in excinfo.value.message

    @pytest.mark.parametrize("amount", ["100000", "1000000"])
    def test_the_bounds_are_inside(self, amount):
        self.check(amount, reason="综合考虑违法情节")

    @pytest.mark.parametrize("reason", ["", "   ", None])
    def test_another_amount_needs_a_written_reason(self, reason):
        with pytest.raises(DomainError) as excinfo:
            self.check("300000", reason=reason)
        assert (excinfo.value.code, excinfo.value.field) == ("fine_reason_required", "fine_reason")
        assert excinfo.value.message == (
            "罚款金额 300,000 元与裁量建议金额 250,000 元不一致，须书面说明理由"
        )

    def test_another_amount_with_a_reason_is_accepted(self):
        self.check("300000", reason="违法排放持续时间较长，从重处罚")

    def test_without_a_recommendation_a_reason_is_required(self):
        with pytest.raises(DomainError) as excinfo:
            self.check("250000", recommended=None)
        assert excinfo.value.code == "fine_reason_required"
        self.check("250000", recommended=None, reason="按集体讨论意见确定")

    def test_percent_rule_range_uses_the_base_amount(self):
        eia = vtype(
            fine_rule="percent",
            percent_min=Decimal("1"),
            percent_max=Decimal("5"),
            base_amount_label="建设项目总投资额",
        )
        self.check("200000", recommended="200000", violation_type=eia, base_amount="20000000")
        with pytest.raises(DomainError) as excinfo:
            self.check("199999", violation_type=eia, base_amount="20000000", reason="理由")
        assert excinfo.value.code == "fine_out_of_range"
        with pytest.raises(DomainError) as excinfo:
            self.check("200000", violation_type=eia)
        assert excinfo.value.code == "base_amount_required"

    def test_per_occurrence_range_uses_the_occurrences(self):
        each = vtype(
            fine_rule="per_occurrence", fine_min=Decimal("5000"), fine_max=Decimal("20000")
        )
        self.check("60000", recommended="60000", violation_type=each, occurrences=3)
        with pytest.raises(DomainError) as excinfo:
            self.check("60000.01", violation_type=each, occurrences=3, reason="理由")
        assert excinfo.value.code == "fine_out_of_range"

    def test_amount_must_be_money(self):
        with pytest.raises(DomainError) as excinfo:
            self.check("十万")
        assert (excinfo.value.code, excinfo.value.field) == ("invalid", "fine_amount")
