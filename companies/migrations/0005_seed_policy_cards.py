"""Seed the policy cards (政策明白卡) officers hand out most often.

Administrators keep the list in the admin afterwards (add, edit, withdraw).
The issue date is left empty: each bureau prints its own edition.
"""

from django.db import migrations

CARDS = [
    (
        "discharge-permit",
        "排污许可政策明白卡",
        "《排污许可管理条例》（2021年3月1日起施行）：实行排污许可管理的排污单位应当依法取得"
        "排污许可证，持证排污、按证排污；按证载要求开展自行监测、建立环境管理台账、提交执行"
        "报告并公开信息；排污许可证有效期为5年，届满需继续排放污染物的，应于届满60日前申请延续。",
    ),
    (
        "eia-positive-list",
        "环评审批正面清单政策明白卡",
        "环评审批正面清单：对环境影响很小的部分项目豁免环评手续，对部分基础设施、社会事业等"
        "项目试行环评告知承诺制审批；未纳入清单的项目仍须依法办理环评手续，未批先建将依法查处。",
    ),
    (
        "heavy-pollution-response",
        "重污染天气应急减排政策明白卡",
        "重污染天气预警期间，企业按照应急减排清单和“一厂一策”方案落实停产、限产等减排措施；"
        "重点行业绩效分级为A级的企业和绩效引领性企业可自主采取减排措施；绩效等级每年可申请评定。",
    ),
    (
        "hazardous-waste",
        "危险废物规范化管理政策明白卡",
        "《固体废物污染环境防治法》（2020年修订）：产生危险废物的单位应当制定管理计划、建立"
        "管理台账并如实申报；委托持有许可证的单位利用处置；转移危险废物执行转移联单制度；"
        "贮存危险废物一般不得超过一年。",
    ),
    (
        "credit-rating",
        "环保信用评价政策明白卡",
        "企业环境信用评价结果分为环保诚信、环保良好、环保警示、环保不良四个等级，评价结果"
        "向社会公开，并与差别化监管、绿色信贷等措施联动；符合条件的企业可以申请信用修复。",
    ),
    (
        "minor-violation-waiver",
        "轻微违法免罚政策明白卡",
        "《行政处罚法》第三十三条：违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚；"
        "初次违法且危害后果轻微并及时改正的，可以不予行政处罚（首违不罚）。",
    ),
]


def seed(apps, schema_editor):
    PolicyCard = apps.get_model("companies", "PolicyCard")
    for code, title, summary in CARDS:
        PolicyCard.objects.update_or_create(
            code=code, defaults={"title": title, "summary": summary, "active": True}
        )


def unseed(apps, schema_editor):
    PolicyCard = apps.get_model("companies", "PolicyCard")
    PolicyCard.objects.filter(code__in=[code for code, _, _ in CARDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("companies", "0004_service_visits_demands_symposiums")]

    operations = [migrations.RunPython(seed, unseed)]
