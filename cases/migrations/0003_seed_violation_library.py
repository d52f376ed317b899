"""Seed the violation library (违法行为库) with the common violation types.

Texts follow the laws in force: 大气污染防治法 (2018 修正), 水污染防治法 (2017
修正), 环境影响评价法 (2018 修正), 排污许可管理条例 (2021), 固体废物污染环境防治法
(2020 修订), 土壤污染防治法 (2018), 噪声污染防治法 (2022). ``legal_basis`` is the
article the party breached (违反条款), ``penalty_basis`` the article that sets
the penalty (处罚条款). Amounts are yuan; for per-occurrence types per
occurrence. ``waiver_eligible`` marks the record-keeping, monitoring, labelling
and filing duties that the provincial lists of minor violations not to be
penalised (轻微违法免罚 / 首违不罚) cover; see docs/violations.md. Every seeded
type uses the default discretion factor table, so one choice of factors fits
every violation of a case.

The reverse removes the seeded types that no case uses; a type in use stays,
as the case's foreign key protects it.
"""

from decimal import Decimal

from django.db import migrations

AIR = "《中华人民共和国大气污染防治法》"
WATER = "《中华人民共和国水污染防治法》"
EIA = "《中华人民共和国环境影响评价法》"
PERMIT = "《排污许可管理条例》"
SOLID = "《中华人民共和国固体废物污染环境防治法》"
SOIL = "《中华人民共和国土壤污染防治法》"
NOISE = "《中华人民共和国噪声污染防治法》"

CLOSE_DOWN = "责令改正或者限制生产、停产整治；情节严重的，报经有批准权的人民政府批准，责令停业、关闭"
REFUSE_STOP = "责令改正；拒不改正的，责令停产整治"
SOLID_WASTE = "责令改正，没收违法所得；情节严重的，报经有批准权的人民政府批准，可以责令停业或者关闭"
AIR_DAILY = f"；受到罚款处罚，被责令改正，拒不改正的，依照{AIR}第一百二十三条按原处罚数额按日连续处罚"
WATER_DAILY = f"；被责令改正后继续违法排放或者拒绝、阻挠复查的，依照{WATER}第九十五条按日连续处罚"
PERMIT_DAILY = f"；被责令改正后继续实施违法行为或者拒绝、阻挠复查的，依照{PERMIT}第三十八条按日连续处罚"
DETENTION = "；通过暗管、渗井、渗坑、灌注或者篡改、伪造监测数据等逃避监管的方式违法排放污染物的，依照《中华人民共和国环境保护法》第六十三条移送公安机关"

def yuan(value):
    return None if value is None else Decimal(value)


VIOLATION_TYPES = [
    # --- 大气 -------------------------------------------------------------------
    {
        "code": "AIR-99-1",
        "name": "未依法取得排污许可证排放大气污染物",
        "category": "air",
        "legal_basis": f"{AIR}第十九条",
        "penalty_basis": f"{AIR}第九十九条第（一）项",
        "fine_rule": "range",
        "fine_min": 100_000,
        "fine_max": 1_000_000,
        "other_penalties": CLOSE_DOWN + AIR_DAILY,
    },
    {
        "code": "AIR-99-2",
        "name": "超过大气污染物排放标准或者超过重点大气污染物排放总量控制指标排放大气污染物",
        "category": "air",
        "legal_basis": f"{AIR}第十八条",
        "penalty_basis": f"{AIR}第九十九条第（二）项",
        "fine_rule": "range",
        "fine_min": 100_000,
        "fine_max": 1_000_000,
        "other_penalties": CLOSE_DOWN + AIR_DAILY,
    },
    {
        "code": "AIR-99-3",
        "name": "通过逃避监管的方式排放大气污染物",
        "category": "air",
        "legal_basis": f"{AIR}第二十条第二款",
        "penalty_basis": f"{AIR}第九十九条第（三）项",
        "fine_rule": "range",
        "fine_min": 100_000,
        "fine_max": 1_000_000,
        "other_penalties": CLOSE_DOWN + AIR_DAILY + DETENTION,
    },
    {
        "code": "AIR-100-2",
        "name": "未按照规定对所排放的工业废气和有毒有害大气污染物进行监测并保存原始监测记录",
        "category": "air",
        "legal_basis": f"{AIR}第二十四条第一款",
        "penalty_basis": f"{AIR}第一百条第（二）项",
        "fine_rule": "range",
        "fine_min": 20_000,
        "fine_max": 200_000,
        "other_penalties": REFUSE_STOP,
        "waiver_eligible": True,
    },
    {
        "code": "AIR-100-3",
        "name": "未按照规定安装、使用大气污染物排放自动监测设备或者未按照规定与生态环境主管部门的监控设备联网，并保证监测设备正常运行",
        "category": "air",
        "legal_basis": f"{AIR}第二十四条第一款",
        "penalty_basis": f"{AIR}第一百条第（三）项",
        "fine_rule": "range",
        "fine_min": 20_000,
        "fine_max": 200_000,
        "other_penalties": REFUSE_STOP,
    },
    {
        "code": "AIR-108-1",
        "name": "产生含挥发性有机物废气的生产和服务活动，未在密闭空间或者设备中进行，未按照规定安装、使用污染防治设施，或者未采取减少废气排放措施",
        "category": "air",
        "legal_basis": f"{AIR}第四十五条",
        "penalty_basis": f"{AIR}第一百零八条第（一）项",
        "fine_rule": "range",
        "fine_min": 20_000,
        "fine_max": 200_000,
        "other_penalties": REFUSE_STOP,
    },
    {
        "code": "AIR-117-1",
        "name": "未密闭煤炭、煤矸石、煤渣、煤灰、水泥、石灰、石膏、砂土等易产生扬尘的物料",
        "category": "air",
        "legal_basis": f"{AIR}第七十二条第一款",
        "penalty_basis": f"{AIR}第一百一十七条第（一）项",
        "fine_rule": "range",
        "fine_min": 10_000,
        "fine_max": 100_000,
        "other_penalties": "责令改正；拒不改正的，责令停工整治或者停业整治" + AIR_DAILY,
        "waiver_eligible": True,
    },
    {
        "code": "AIR-117-2",
        "name": "对不能密闭的易产生扬尘的物料，未设置不低于堆放物高度的严密围挡，或者未采取有效覆盖措施防治扬尘污染",
        "category": "air",
        "legal_basis": f"{AIR}第七十二条第一款",
        "penalty_basis": f"{AIR}第一百一十七条第（二）项",
        "fine_rule": "range",
        "fine_min": 10_000,
        "fine_max": 100_000,
        "other_penalties": "责令改正；拒不改正的，责令停工整治或者停业整治" + AIR_DAILY,
        "waiver_eligible": True,
    },
    # --- 水 ---------------------------------------------------------------------
    {
        "code": "WATER-82-1",
        "name": "未按照规定对所排放的水污染物自行监测，或者未保存原始监测记录",
        "category": "water",
        "legal_basis": f"{WATER}第二十三条第一款",
        "penalty_basis": f"{WATER}第八十二条第（一）项",
        "fine_rule": "range",
        "fine_min": 20_000,
        "fine_max": 200_000,
        "other_penalties": "责令限期改正；逾期不改正的，责令停产整治",
        "waiver_eligible": True,
    },
    {
        "code": "WATER-83-2",
        "name": "超过水污染物排放标准或者超过重点水污染物排放总量控制指标排放水污染物",
        "category": "water",
        "legal_basis": f"{WATER}第十条",
        "penalty_basis": f"{WATER}第八十三条第（二）项",
        "fine_rule": "range",
        "fine_min": 100_000,
        "fine_max": 1_000_000,
        "other_penalties": CLOSE_DOWN + WATER_DAILY,
    },
    {
        "code": "WATER-83-3",
        "name": "利用渗井、渗坑、裂隙、溶洞，私设暗管，篡改、伪造监测数据，或者不正常运行水污染防治设施等逃避监管的方式排放水污染物",
        "category": "water",
        "legal_basis": f"{WATER}第三十九条",
        "penalty_basis": f"{WATER}第八十三条第（三）项",
        "fine_rule": "range",
        "fine_min": 100_000,
        "fine_max": 1_000_000,
        "other_penalties": CLOSE_DOWN + WATER_DAILY + DETENTION,
    },
    # --- 环境影响评价 -------------------------------------------------------------
    {
        "code": "EIA-31-1",
        "name": "建设项目环境影响报告书、报告表未依法报批或者未经批准，擅自开工建设（未批先建）",
        "category": "eia",
        "legal_basis": f"{EIA}第二十二条、第二十五条",
        "penalty_basis": f"{EIA}第三十一条第一款、第二款",
        "fine_rule": "percent",
        "percent_min": 1,
        "percent_max": 5,
        "base_amount_label": "建设项目总投资额",
        "other_penalties": "责令停止建设，可以责令恢复原状；对建设单位直接负责的主管人员和其他直接责任人员，依法给予行政处分",
    },
    {
        "code": "EIA-31-3",
        "name": "未依法备案建设项目环境影响登记表",
        "category": "eia",
        "legal_basis": f"{EIA}第二十二条第四款",
        "penalty_basis": f"{EIA}第三十一条第三款",
        "fine_rule": "range",
        "fine_min": None,
        "fine_max": 50_000,
        "other_penalties": "责令备案",
        "waiver_eligible": True,
    },
    # --- 排污许可 -----------------------------------------------------------------
    {
        "code": "PERMIT-33-1",
        "name": "未取得排污许可证排放污染物",
        "category": "discharge_permit",
        "legal_basis": f"{PERMIT}第二条第一款",
        "penalty_basis": f"{PERMIT}第三十三条第（一）项",
        "fine_rule": "range",
        "fine_min": 200_000,
        "fine_max": 1_000_000,
        "other_penalties": CLOSE_DOWN + PERMIT_DAILY,
    },
    {
        "code": "PERMIT-34-1",
        "name": "超过许可排放浓度、许可排放量排放污染物",
        "category": "discharge_permit",
        "legal_basis": f"{PERMIT}第十七条第二款",
        "penalty_basis": f"{PERMIT}第三十四条第（一）项",
        "fine_rule": "range",
        "fine_min": 200_000,
        "fine_max": 1_000_000,
        "other_penalties": "责令改正或者限制生产、停产整治；情节严重的，吊销排污许可证，报经有批准权的人民政府批准，责令停业、关闭"
        + PERMIT_DAILY,
    },
    {
        "code": "PERMIT-36-5",
        "name": "未按照排污许可证规定制定自行监测方案并开展自行监测",
        "category": "discharge_permit",
        "legal_basis": f"{PERMIT}第十九条",
        "penalty_basis": f"{PERMIT}第三十六条第（五）项",
        "fine_rule": "range",
        "fine_min": 20_000,
        "fine_max": 200_000,
        "other_penalties": REFUSE_STOP,
        "waiver_eligible": True,
    },
    {
        "code": "PERMIT-37-1",
        "name": "未建立环境管理台账记录制度，或者未按照排污许可证规定记录",
        "category": "discharge_permit",
        "legal_basis": f"{PERMIT}第二十一条",
        "penalty_basis": f"{PERMIT}第三十七条第（一）项",
        "fine_rule": "per_occurrence",
        "fine_min": 5_000,
        "fine_max": 20_000,
        "other_penalties": "责令改正；法律另有规定的，从其规定",
        "waiver_eligible": True,
    },
    {
        "code": "PERMIT-37-3",
        "name": "未按照排污许可证规定提交排污许可证执行报告",
        "category": "discharge_permit",
        "legal_basis": f"{PERMIT}第二十二条",
        "penalty_basis": f"{PERMIT}第三十七条第（三）项",
        "fine_rule": "per_occurrence",
        "fine_min": 5_000,
        "fine_max": 20_000,
        "other_penalties": "责令改正；法律另有规定的，从其规定",
        "waiver_eligible": True,
    },
    # --- 固体废物和危险废物 ---------------------------------------------------------
    {
        "code": "SW-102-8",
        "name": "产生工业固体废物的单位未建立固体废物管理台账并如实记录",
        "category": "solid_waste",
        "legal_basis": f"{SOLID}第三十六条第一款",
        "penalty_basis": f"{SOLID}第一百零二条第一款第（八）项、第二款",
        "fine_rule": "range",
        "fine_min": 50_000,
        "fine_max": 200_000,
        "other_penalties": SOLID_WASTE,
        "waiver_eligible": True,
    },
    {
        "code": "SW-102-10",
        "name": "贮存工业固体废物未采取符合国家环境保护标准的防护措施",
        "category": "solid_waste",
        "legal_basis": f"{SOLID}第四十条第一款",
        "penalty_basis": f"{SOLID}第一百零二条第一款第（十）项、第二款",
        "fine_rule": "range",
        "fine_min": 100_000,
        "fine_max": 1_000_000,
        "other_penalties": SOLID_WASTE,
    },
    {
        "code": "SW-112-1",
        "name": "未按照规定设置危险废物识别标志",
        "category": "solid_waste",
        "legal_basis": f"{SOLID}第七十七条",
        "penalty_basis": f"{SOLID}第一百一十二条第一款第（一）项、第二款",
        "fine_rule": "range",
        "fine_min": 100_000,
        "fine_max": 1_000_000,
        "other_penalties": SOLID_WASTE,
        "waiver_eligible": True,
    },
    {
        "code": "SW-112-6",
        "name": "未按照国家环境保护标准贮存、利用、处置危险废物或者将危险废物混入非危险废物中贮存",
        "category": "solid_waste",
        "legal_basis": f"{SOLID}第七十九条、第八十一条",
        "penalty_basis": f"{SOLID}第一百一十二条第一款第（六）项、第二款",
        "fine_rule": "range",
        "fine_min": 100_000,
        "fine_max": 1_000_000,
        "other_penalties": SOLID_WASTE,
    },
    # --- 土壤 -------------------------------------------------------------------
    {
        "code": "SOIL-86-1",
        "name": "土壤污染重点监管单位未制定、实施自行监测方案，或者未将监测数据报生态环境主管部门",
        "category": "soil",
        "legal_basis": f"{SOIL}第二十一条第二款第（三）项",
        "penalty_basis": f"{SOIL}第八十六条第一款第（一）项、第二款",
        "fine_rule": "range",
        "fine_min": 20_000,
        "fine_max": 200_000,
        "other_penalties": REFUSE_STOP,
        "waiver_eligible": True,
    },
    # --- 噪声 -------------------------------------------------------------------
    {
        "code": "NOISE-75",
        "name": "无排污许可证或者超过噪声排放标准排放工业噪声",
        "category": "noise",
        "legal_basis": f"{NOISE}第二十二条、第三十六条",
        "penalty_basis": f"{NOISE}第七十五条",
        "fine_rule": "range",
        "fine_min": 20_000,
        "fine_max": 200_000,
        "other_penalties": CLOSE_DOWN,
    },
    # --- 其他：拒绝、阻挠监督检查 ------------------------------------------------------
    {
        "code": "AIR-98",
        "name": "以拒绝进入现场等方式拒不接受监督检查，或者在接受监督检查时弄虚作假",
        "category": "other",
        "legal_basis": f"{AIR}第二十九条",
        "penalty_basis": f"{AIR}第九十八条",
        "fine_rule": "range",
        "fine_min": 20_000,
        "fine_max": 200_000,
        "other_penalties": "责令改正；构成违反治安管理行为的，由公安机关依法予以处罚",
    },
]

SEEDED_CODES = [item["code"] for item in VIOLATION_TYPES]


def seed(apps, schema_editor):
    ViolationType = apps.get_model("cases", "ViolationType")
    for item in VIOLATION_TYPES:
        defaults = {
            "name": item["name"],
            "category": item["category"],
            "legal_basis": item["legal_basis"],
            "penalty_basis": item["penalty_basis"],
            "fine_rule": item["fine_rule"],
            "fine_min": yuan(item.get("fine_min")),
            "fine_max": yuan(item.get("fine_max")),
            "percent_min": yuan(item.get("percent_min")),
            "percent_max": yuan(item.get("percent_max")),
            "base_amount_label": item.get("base_amount_label", ""),
            "other_penalties": item.get("other_penalties", ""),
            "waiver_eligible": item.get("waiver_eligible", False),
            "discretion_factors": item.get("discretion_factors", []),
            "is_active": True,
        }
        ViolationType.objects.update_or_create(code=item["code"], defaults=defaults)


def unseed(apps, schema_editor):
    ViolationType = apps.get_model("cases", "ViolationType")
    CaseViolation = apps.get_model("cases", "CaseViolation")
    in_use = CaseViolation.objects.values("violation_type_id")
    ViolationType.objects.filter(code__in=SEEDED_CODES).exclude(pk__in=in_use).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_seed_working_day_calendar")]

    operations = [migrations.RunPython(seed, unseed)]
