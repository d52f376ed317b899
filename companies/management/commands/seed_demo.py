"""``manage.py seed_demo [--seed N]``: a deterministic demo city (Langfang).

Builds on the regions and industries the migrations seed, and adds:

- the city enforcement detachment and one brigade per county-level unit;
- one account per role, created through ``accounts.services.officer_create``
  (the administrator is also a superuser), with printed demo passwords, and
  API tokens for the reporting client and the monitoring platform; 三河 and
  霸州 get a second inspector, so each of those brigades has the two certified
  officers a case needs;
- 320 enterprises across the ten counties with valid unified social credit
  codes and permit numbers, industries typical of each county, permit
  categories, performance grades and flags; some are put on the positive list
  through ``companies.services.positive_list_add``.

The same seed gives the same city. Running the command again updates what is
there (accounts by username, enterprises by USCC, units by name) and prints the
same logins; it never duplicates. Passwords are reset to the printed ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.choices import UnitKind
from accounts.models import Officer, Region, Unit
from accounts.roles import Role
from accounts.services import officer_create, officer_update
from companies.choices import EnterpriseStatus, PerformanceGrade, PermitCategory
from companies.models import Enterprise, Industry
from companies.services import positive_list_add
from companies.validators import USCC_CHARSET, uscc_check_char
from ecoenforce.errors import DomainError

User = get_user_model()

CITY = "131000"
DETACHMENT = "廊坊市生态环境综合执法支队"


@dataclass(frozen=True)
class County:
    code: str
    name: str
    short: str
    enterprises: int
    latitude: float
    longitude: float
    towns: tuple[str, ...]
    # GB/T 4754 divisions typical of the county, with weights.
    industries: tuple[tuple[str, int], ...]


# fmt: off
COUNTIES = (
    County(
        "131002", "安次区", "安次", 35, 39.50, 116.69,
        ("码头镇", "葛渔城镇", "东沽港镇", "落垡镇", "杨税务乡", "仇庄乡", "调河头乡"),
        (("26", 4), ("34", 3), ("33", 3), ("30", 2), ("22", 2), ("44", 1), ("77", 1)),
    ),
    County(
        "131003", "广阳区", "广阳", 25, 39.53, 116.71,
        ("万庄镇", "九州镇", "北旺乡", "南尖塔镇"),
        (("23", 4), ("39", 3), ("14", 3), ("81", 2), ("46", 1), ("77", 1)),
    ),
    County(
        "131022", "固安县", "固安", 35, 39.44, 116.30,
        ("固安镇", "宫村镇", "柳泉镇", "牛驼镇", "马庄镇", "彭村乡", "礼让店乡"),
        (("39", 5), ("36", 4), ("38", 3), ("35", 2), ("27", 2), ("77", 1)),
    ),
    County(
        "131023", "永清县", "永清", 25, 39.32, 116.50,
        ("永清镇", "韩村镇", "后奕镇", "别古庄镇", "里澜城镇", "管家务回族乡"),
        (("18", 4), ("33", 3), ("29", 2), ("13", 2), ("77", 1)),
    ),
    County(
        "131024", "香河县", "香河", 30, 39.76, 117.00,
        ("淑阳镇", "蒋辛屯镇", "渠口镇", "安头屯镇", "安平镇", "刘宋镇", "五百户镇"),
        (("21", 6), ("20", 2), ("29", 2), ("23", 1), ("77", 1)),
    ),
    County(
        "131025", "大城县", "大城", 30, 38.70, 116.64,
        ("平舒镇", "旺村镇", "大尚屯镇", "南赵扶镇", "留各庄镇", "权村镇", "里坦镇"),
        (("30", 5), ("42", 3), ("33", 2), ("31", 1), ("29", 1), ("77", 1)),
    ),
    County(
        "131026", "文安县", "文安", 30, 38.87, 116.46,
        ("文安镇", "新镇镇", "苏桥镇", "大柳河镇", "左各庄镇", "滩里镇", "赵各庄镇"),
        (("20", 5), ("29", 3), ("42", 2), ("21", 1), ("77", 1)),
    ),
    County(
        "131028", "大厂回族自治县", "大厂", 20, 39.89, 116.99,
        ("大厂镇", "夏垫镇", "祁各庄镇", "邵府镇", "陈府镇"),
        (("14", 4), ("33", 3), ("13", 2), ("34", 1), ("77", 1)),
    ),
    County(
        "131081", "霸州市", "霸州", 45, 39.13, 116.39,
        ("霸州镇", "南孟镇", "信安镇", "堂二里镇", "煎茶铺镇", "胜芳镇", "杨芬港镇"),
        (("33", 5), ("31", 3), ("21", 3), ("26", 2), ("29", 1), ("44", 1), ("77", 1)),
    ),
    County(
        "131082", "三河市", "三河", 45, 39.98, 117.08,
        ("燕郊镇", "泃阳镇", "李旗庄镇", "杨庄镇", "皇庄镇", "新集镇", "高楼镇"),
        (("39", 3), ("34", 3), ("26", 2), ("30", 2), ("14", 2), ("27", 2), ("44", 1), ("77", 1)),
    ),
)

# Words that end an enterprise's name, by GB/T 4754 division.
INDUSTRY_WORDS = {
    "13": ("粮油", "饲料", "农产品加工"),
    "14": ("食品", "清真食品", "乳业"),
    "18": ("服装", "服饰"),
    "20": ("木业", "人造板", "板材"),
    "21": ("家具", "金属玻璃家具", "办公家具"),
    "22": ("纸业", "纸制品"),
    "23": ("印刷", "彩印包装"),
    "26": ("化工", "涂料", "精细化工"),
    "27": ("制药", "生物医药"),
    "29": ("塑料制品", "橡塑制品", "塑胶"),
    "30": ("保温材料", "新型建材", "玻璃制品", "商品混凝土"),
    "31": ("钢铁", "轧钢"),
    "33": ("钢管", "金属制品", "钢结构", "五金制品"),
    "34": ("机械", "通用设备"),
    "35": ("环保设备", "专用设备"),
    "36": ("汽车零部件", "汽车配件"),
    "38": ("电气", "电缆"),
    "39": ("电子", "光电科技"),
    "42": ("再生资源", "物资回收"),
    "44": ("热力", "热电"),
    "46": ("供水",),
    "77": ("污水处理", "环境治理"),
    "81": ("汽车维修",),
}
# Divisions with heavier discharges: more permits under key or simplified management.
HEAVY = {"22", "26", "27", "30", "31", "33", "42", "44", "77"}
SOIL = {"22", "26", "27", "31", "33", "42"}
VOCS = {"20", "21", "23", "26", "27", "29", "36"}
HAZARDOUS_WASTE = {"26", "27", "31", "33", "36", "38", "39", "42", "81"}

BRANDS = (
    "华信", "鑫达", "恒泰", "金源", "宏大", "瑞丰", "永盛", "天成", "新达", "国泰",
    "利民", "福瑞", "中兴", "华美", "盛源", "隆达", "金诚", "顺发", "德润", "嘉禾",
    "万通", "博远", "东方", "北辰", "京燕", "燕兴", "冀东", "汇丰", "鼎盛", "通达",
    "正大", "昌盛", "兴旺", "恒信", "宝丰", "海润", "晨光", "明阳", "立新", "佳美",
    "益民", "永和", "富华", "华北", "瑞祥", "长城", "新星", "康达", "天元", "众诚",
    "宇通", "国华", "亿达", "泰和", "安泰", "金桥", "润泽", "广源", "同心", "鸿运",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯于董"
GIVEN_NAMES = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛",
    "明", "超", "秀英", "建华", "志强", "国庆", "海燕", "玉兰", "春生", "文博", "德顺",
    "宝山", "立新", "永刚", "淑珍", "振华",
)
VILLAGES = (
    "大王庄", "小营", "李家庄", "前屯", "后屯", "辛庄", "东关", "西关", "刘庄",
    "张各庄", "马坊", "杨村", "高庄", "北杨庄", "南辛庄",
)
STREETS = ("建设", "光明", "和平", "新华", "人民", "迎宾", "兴业", "创业", "振兴", "富强")
NUMERALS = "一二三四五六七八九"
# fmt: on

GRADES = (
    (PerformanceGrade.A, 6),
    (PerformanceGrade.B, 18),
    (PerformanceGrade.C, 40),
    (PerformanceGrade.D, 12),
    (PerformanceGrade.UNRATED, 24),
)
STATUSES = (
    (EnterpriseStatus.OPERATING, 92),
    (EnterpriseStatus.SUSPENDED, 5),
    (EnterpriseStatus.CLOSED, 3),
)
POSITIVE_LIST_SIZE = 30

# Fields the seed owns; on_positive_list follows the positive-list entries.
ENTERPRISE_FIELDS = (
    "name",
    "region",
    "address",
    "industry",
    "legal_representative",
    "contact_phone",
    "permit_category",
    "permit_number",
    "performance_grade",
    "key_discharge_unit",
    "key_soil_pollution_unit",
    "vocs_related",
    "hazardous_waste_producer",
    "latitude",
    "longitude",
    "status",
    "updated_at",
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: Role
    badge_number: str | None = None
    unit: str | None = None  # unit name
    superuser: bool = False
    token: bool = False


def brigade_name(county: County) -> str:
    return f"{DETACHMENT}{county.short}大队"


SANHE = next(county for county in COUNTIES if county.code == "131082")
BAZHOU = next(county for county in COUNTIES if county.code == "131081")

ACCOUNTS = (
    DemoAccount("admin", "赵敏", Role.ADMINISTRATOR, unit=DETACHMENT, superuser=True),
    DemoAccount("manager", "刘洋", Role.MANAGER, unit=DETACHMENT),
    DemoAccount("approver", "王建国", Role.APPROVER, "13100000001", DETACHMENT),
    DemoAccount("legal_reviewer", "陈静", Role.LEGAL_REVIEWER, "13100000002", DETACHMENT),
    DemoAccount("inspector_sanhe", "张伟", Role.INSPECTOR, "13108200001", brigade_name(SANHE)),
    DemoAccount("inspector_bazhou", "李娜", Role.INSPECTOR, "13108100001", brigade_name(BAZHOU)),
    # A second certified inspector per brigade: a case and an inspection need two
    # officers with valid certificates (处罚法 art. 42), and a random draw a pair.
    DemoAccount("inspector_sanhe2", "孙磊", Role.INSPECTOR, "13108200002", brigade_name(SANHE)),
    DemoAccount("inspector_bazhou2", "周涛", Role.INSPECTOR, "13108100002", brigade_name(BAZHOU)),
    DemoAccount("reporting_client", "统计报表系统", Role.REPORTING_CLIENT, token=True),
    DemoAccount("monitoring_platform", "在线监控平台", Role.MONITORING_PLATFORM, token=True),
)
CERTIFICATE_VALID_UNTIL = date(2028, 12, 31)


def weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def org_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714) with its check character.

    Older enterprises have eight digits; those registered since 2015 start with
    ``MA``. Only characters the USCC allows are drawn.
    """
    if rng.random() < 0.4:
        body = "MA" + "".join(rng.choice(USCC_CHARSET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight
        for char, weight in zip(body, weights, strict=True)
    )
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, region_code: str) -> str:
    """统一社会信用代码: 9 (market regulator), 1 (enterprise), region, org code, check."""
    first17 = "91" + region_code + org_code(rng)
    return first17 + uscc_check_char(first17)


def demo_password(seed: int, username: str) -> str:
    rng = random.Random(f"{seed}:{username}")
    digits = "".join(rng.choice("23456789") for _ in range(4))
    letters = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(4))
    return f"Demo-{digits}-{letters}"


class Command(BaseCommand):
    help = "生成确定性的演示数据（廊坊市）：执法单位、各角色账号、企业和正面清单；可重复运行"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2024, help="随机种子，默认 2024")

    def handle(self, *args, seed: int, **options):
        missing = {c.code for c in COUNTIES} - set(
            Region.objects.filter(code__in=[c.code for c in COUNTIES]).values_list(
                "code", flat=True
            )
        )
        if missing or not Industry.objects.filter(code="26").exists():
            raise CommandError("缺少行政区划或行业分类，请先运行 manage.py migrate")

        with transaction.atomic():
            units = self.seed_units()
            logins = self.seed_accounts(seed, units)
            admin = User.objects.get(username="admin")
            created, updated = self.seed_enterprises(seed)
            listed = self.seed_positive_list(seed, admin)

        total = Enterprise.objects.filter(region__parent_id=CITY).count()
        on_list = Enterprise.objects.filter(on_positive_list=True).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已就绪（随机种子 {seed}）：执法单位 {len(units)} 个；"
                f"演示企业 {created + updated} 家（新增 {created}，更新 {updated}），"
                f"全市企业共 {total} 家；本次纳入正面清单 {listed} 家，清单内共 {on_list} 家"
            )
        )
        self.print_logins(logins)

    # --- units and accounts ------------------------------------------------------

    def seed_units(self) -> dict[str, Unit]:
        units: dict[str, Unit] = {}
        specs = [(DETACHMENT, UnitKind.DETACHMENT, CITY)] + [
            (brigade_name(county), UnitKind.BRIGADE, county.code) for county in COUNTIES
        ]
        for name, kind, region_code in specs:
            unit, _ = Unit.objects.update_or_create(name=name, defaults={"kind": kind})
            unit.regions.set([region_code])
            units[name] = unit
        return units

    def seed_accounts(self, seed: int, units: dict[str, Unit]) -> list[tuple]:
        logins = []
        for account in ACCOUNTS:
            password = demo_password(seed, account.username)
            unit = units[account.unit] if account.unit else None
            officer = Officer.objects.filter(user__username=account.username).first()
            try:
                if officer is None and User.objects.filter(username=account.username).exists():
                    # A login made by hand (createsuperuser) gets its officer profile.
                    user = User.objects.get(username=account.username)
                    officer = Officer.objects.create(user=user, name=account.name)
                if officer is None:
                    officer = officer_create(
                        username=account.username,
                        password=password,
                        name=account.name,
                        roles=[account.role],
                        badge_number=account.badge_number,
                        unit=unit,
                        certificate_valid_until=CERTIFICATE_VALID_UNTIL
                        if account.badge_number
                        else None,
                    )
                else:
                    officer = officer_update(
                        officer=officer,
                        name=account.name,
                        roles=[account.role],
                        badge_number=account.badge_number or "",
                        unit=unit,
                        certificate_valid_until=CERTIFICATE_VALID_UNTIL
                        if account.badge_number
                        else None,
                        region_codes=[],
                        is_active=True,
                    )
            except DomainError as exc:
                raise CommandError(f"账号 {account.username}：{exc.message}") from None
            user = officer.user
            if not user.check_password(password):
                user.set_password(password)
            if account.superuser:
                user.is_superuser = True
                user.is_staff = True
            user.save()
            token = Token.objects.get_or_create(user=user)[0].key if account.token else None
            scope = unit.regions.get().name if unit else "全部"
            logins.append((account, password, scope, token))
        return logins

    def print_logins(self, logins: list[tuple]) -> None:
        self.stdout.write("\n登录账号（管理后台 /admin/；接口 /api/v1/）：")
        for account, password, scope, _ in logins:
            extra = "，超级用户" if account.superuser else ""
            self.stdout.write(
                f"  {account.username:<20} 密码 {password}   "
                f"{account.role.label}（{account.name}，管辖：{scope}{extra}）"
            )
        self.stdout.write("\n接口令牌（请求头 Authorization: Token <令牌>）：")
        for account, _, _, token in logins:
            if token:
                self.stdout.write(f"  {account.username:<20} {token}")
        self.stdout.write("")

    # --- enterprises -------------------------------------------------------------

    def seed_enterprises(self, seed: int) -> tuple[int, int]:
        rng = random.Random(seed)
        regions = Region.objects.in_bulk([county.code for county in COUNTIES])
        industries = Industry.objects.in_bulk(list(INDUSTRY_WORDS))
        usccs: set[str] = set()
        names: set[str] = set()
        enterprises: list[Enterprise] = []
        for county in COUNTIES:
            for _ in range(county.enterprises):
                enterprises.append(
                    self.make_enterprise(rng, county, regions, industries, usccs, names)
                )

        for enterprise in enterprises:
            try:
                enterprise.full_clean(
                    exclude=["region", "industry"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as exc:  # a defect of this generator, not of the data
                raise CommandError(f"{enterprise.uscc} {enterprise.name}：{exc}") from None

        existing = set(Enterprise.objects.filter(uscc__in=usccs).values_list("uscc", flat=True))
        now = timezone.now()
        for enterprise in enterprises:
            enterprise.updated_at = now
        Enterprise.objects.bulk_create(
            enterprises,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["uscc"],
            update_fields=list(ENTERPRISE_FIELDS),
        )
        return len(enterprises) - len(existing), len(existing)

    def make_enterprise(self, rng, county, regions, industries, usccs, names) -> Enterprise:
        uscc = make_uscc(rng, county.code)
        while uscc in usccs:
            uscc = make_uscc(rng, county.code)
        usccs.add(uscc)

        industry = weighted(rng, county.industries)
        heavy = industry in HEAVY
        town = rng.choice(county.towns)
        name = self.make_name(rng, county, town, industry)
        while name in names:
            name = self.make_name(rng, county, town, industry)
        names.add(name)

        category = weighted(
            rng,
            (
                (PermitCategory.KEY, 35 if heavy else 5),
                (PermitCategory.SIMPLIFIED, 40 if heavy else 25),
                (PermitCategory.REGISTRATION, 20 if heavy else 50),
                (PermitCategory.NONE, 5 if heavy else 20),
            ),
        )
        if category in (PermitCategory.KEY, PermitCategory.SIMPLIFIED):
            permit_number = f"{uscc}001P"
        elif category == PermitCategory.REGISTRATION:
            permit_number = f"{uscc}001W"  # 固定污染源排污登记编号
        else:
            permit_number = ""

        return Enterprise(
            uscc=uscc,
            name=name,
            region=regions[county.code],
            address=self.make_address(rng, county, town),
            industry=industries[industry],
            legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
            contact_phone=(
                f"0316-{rng.randint(2, 8)}{rng.randrange(10**6):06d}"
                if rng.random() < 0.6
                else f"1{rng.choice('358')}{rng.randrange(10**9):09d}"
            ),
            permit_category=category,
            permit_number=permit_number,
            performance_grade=weighted(rng, GRADES),
            key_discharge_unit=(
                rng.random() < 0.8 if category == PermitCategory.KEY else rng.random() < 0.03
            ),
            key_soil_pollution_unit=industry in SOIL and rng.random() < 0.3,
            vocs_related=(industry in VOCS and rng.random() < 0.8) or rng.random() < 0.05,
            hazardous_waste_producer=(
                (industry in HAZARDOUS_WASTE and rng.random() < 0.6) or rng.random() < 0.08
            ),
            latitude=Decimal(f"{county.latitude + rng.uniform(-0.06, 0.06):.6f}"),
            longitude=Decimal(f"{county.longitude + rng.uniform(-0.06, 0.06):.6f}"),
            status=weighted(rng, STATUSES),
        )

    @staticmethod
    def make_name(rng: random.Random, county: County, town: str, industry: str) -> str:
        brand = rng.choice(BRANDS)
        word = rng.choice(INDUSTRY_WORDS[industry])
        place = f"廊坊市{county.name}" if county.name.endswith("区") else county.name
        pattern = rng.random()
        if pattern < 0.55:
            return f"{place}{brand}{word}有限公司"
        if pattern < 0.8:
            return f"廊坊{brand}{word}有限公司"
        if pattern < 0.92:
            return f"河北{brand}{word}股份有限公司"
        return f"{place}{town[:-1].removesuffix('回族')}{brand}{word}厂"

    @staticmethod
    def make_address(rng: random.Random, county: County, town: str) -> str:
        number = rng.randint(1, 199)
        kind = rng.random()
        if kind < 0.4:
            street = f"工业园区{rng.choice('纬经')}{rng.choice(NUMERALS)}路{number}号"
        elif kind < 0.75:
            street = f"{rng.choice(VILLAGES)}村{rng.choice('东南西北')}{number}号"
        else:
            street = f"{rng.choice(STREETS)}大街{number}号"
        return f"河北省廊坊市{county.name}{town}{street}"

    # --- positive list -----------------------------------------------------------

    def seed_positive_list(self, seed: int, admin) -> int:
        """Put well-graded operating enterprises on the list, once each."""
        rng = random.Random(f"{seed}:positive-list")
        today = timezone.localdate()
        candidates = list(
            Enterprise.objects.filter(
                region__parent_id=CITY,
                performance_grade__in=[PerformanceGrade.A, PerformanceGrade.B],
                status=EnterpriseStatus.OPERATING,
            ).order_by("uscc")
        )
        chosen = sorted(
            rng.sample(candidates, min(POSITIVE_LIST_SIZE, len(candidates))),
            key=lambda e: e.uscc,
        )
        already = set(
            Enterprise.objects.filter(
                pk__in=[e.pk for e in chosen], positive_list_entries__isnull=False
            ).values_list("pk", flat=True)
        )
        listed = 0
        for enterprise in chosen:
            added_on = min(date(2024, 1, 2) + timedelta(days=rng.randrange(540)), today)
            if enterprise.pk in already:
                continue
            grade = enterprise.get_performance_grade_display()
            positive_list_add(
                user=admin,
                enterprise=enterprise,
                reason=f"环保绩效{grade}企业，近三年无环境违法记录，经审核纳入正面清单",
                added_on=added_on,
            )
            listed += 1
        return listed
