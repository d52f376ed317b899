"""The enterprise admin: scope, the service-backed form, filters, the positive list, speed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.admin_scope import EstimatedCountPaginator
from companies.models import Enterprise, PositiveListEntry
from companies.services import positive_list_add
from tests.conftest import BAZHOU, SANHE
from tests.factories import EnterpriseFactory, make_uscc

CHANGELIST = "/admin/companies/enterprise/"
ADD = "/admin/companies/enterprise/add/"
AUTOCOMPLETE = "/admin/autocomplete/"
COUNTIES = [
    "131002",
    "131003",
    "131022",
    "131023",
    "131024",
    "131025",
    "131026",
    "131028",
    "131081",
    "131082",
]


def change_url(enterprise) -> str:
    return f"{CHANGELIST}{enterprise.pk}/change/"


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


def listed_names(response) -> list[str]:
    return [enterprise.name for enterprise in response.context["cl"].result_list]


def form_data(**overrides) -> dict:
    data = {
        "name": "三河市新建材料有限公司",
        "uscc": make_uscc(4242, SANHE),
        "uscc_legacy_reason": "",
        "region": SANHE,
        "address": "三河市燕郊高新区",
        "industry": "30",
        "legal_representative": "张三",
        "contact_phone": "",
        "status": "operating",
        "permit_category": "registration",
        "permit_number": "",
        "performance_grade": "B",
        "latitude": "",
        "longitude": "",
        # The read-only positive-list inline still posts its management form.
        "positive_list_entries-TOTAL_FORMS": "0",
        "positive_list_entries-INITIAL_FORMS": "0",
        "positive_list_entries-MIN_NUM_FORMS": "0",
        "positive_list_entries-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def autocomplete_ids(client, model_name: str, field_name: str, term: str = "") -> list[str]:
    response = client.get(
        AUTOCOMPLETE,
        {
            "app_label": "companies",
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.django_db
class TestScope:
    def test_changelist_shows_only_own_regions(
        self, client_as, inspector, sanhe_enterprise, bazhou_enterprise
    ):
        response = client_as(inspector).get(CHANGELIST)
        assert response.status_code == 200
        assert listed_names(response) == [sanhe_enterprise.name]

    def test_city_manager_sees_every_region(
        self, client_as, manager, sanhe_enterprise, bazhou_enterprise
    ):
        response = client_as(manager).get(CHANGELIST)
        assert sorted(listed_names(response)) == sorted(
            [sanhe_enterprise.name, bazhou_enterprise.name]
        )

    def test_change_view_outside_scope_is_404(self, client_as, inspector, bazhou_enterprise):
        client = client_as(inspector)
        assert client.get(change_url(bazhou_enterprise)).status_code == 404
        assert client.get(f"{CHANGELIST}{bazhou_enterprise.pk}/history/").status_code == 404

    def test_change_post_outside_scope_is_404_and_writes_nothing(
        self, client_as, inspector, bazhou_enterprise
    ):
        response = client_as(inspector).post(
            change_url(bazhou_enterprise), form_data(name="改名", region=BAZHOU)
        )
        assert response.status_code == 404
        bazhou_enterprise.refresh_from_db()
        assert bazhou_enterprise.name == "霸州市某钢管有限公司"

    def test_change_view_in_scope_opens(self, client_as, inspector, sanhe_enterprise):
        assert client_as(inspector).get(change_url(sanhe_enterprise)).status_code == 200

    def test_region_autocomplete_offers_only_own_counties(self, client_as, inspector):
        assert autocomplete_ids(client_as(inspector), "enterprise", "region") == [SANHE]

    def test_region_autocomplete_for_city_staff_offers_counties_only(self, client_as, manager):
        ids = autocomplete_ids(client_as(manager), "enterprise", "region")
        assert len(ids) == 10
        assert "131000" not in ids  # the city itself: enterprises sit in counties

    def test_region_autocomplete_search_stays_in_scope(self, client_as, inspector):
        assert autocomplete_ids(client_as(inspector), "enterprise", "region", "霸州") == []

    def test_enterprise_autocomplete_offers_only_own_enterprises(
        self, client_as, inspector, sanhe_enterprise, bazhou_enterprise
    ):
        ids = autocomplete_ids(client_as(inspector), "positivelistentry", "enterprise")
        assert ids == [str(sanhe_enterprise.pk)]

    def test_enterprise_autocomplete_search_by_name(
        self, client_as, manager, sanhe_enterprise, bazhou_enterprise
    ):
        ids = autocomplete_ids(client_as(manager), "positivelistentry", "enterprise", "钢管")
        assert ids == [str(bazhou_enterprise.pk)]

    def test_add_form_offers_only_own_counties(self, client_as, inspector):
        response = client_as(inspector).get(ADD)
        assert response.status_code == 200
        region_field = response.context["adminform"].form.fields["region"]
        assert [region.code for region in region_field.queryset] == [SANHE]

    def test_add_form_refuses_region_outside_scope(self, client_as, inspector):
        response = client_as(inspector).post(ADD, form_data(region=BAZHOU))
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["region"]
        assert not Enterprise.objects.exists()

    def test_outsider_without_role_is_sent_to_login(self, client_as, outsider):
        response = client_as(outsider).get(CHANGELIST)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
class TestEnterpriseForm:
    def test_invalid_uscc_is_refused_on_the_field_in_chinese(self, client_as, inspector):
        bad = make_uscc(7, SANHE)[:17] + ("0" if make_uscc(7, SANHE)[17] != "0" else "1")
        response = client_as(inspector).post(ADD, form_data(uscc=bad))
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert errors["uscc"] == ["统一社会信用代码校验位错误"]
        assert "统一社会信用代码校验位错误" in response.content.decode()
        assert not Enterprise.objects.exists()

    def test_service_rule_error_shows_on_field_and_writes_nothing(self, client_as, inspector):
        # 重点管理 without a permit number is refused by the service's validation.
        response = client_as(inspector).post(ADD, form_data(permit_category="key"))
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert errors["permit_number"] == ["重点管理和简化管理的企业须填写排污许可证编号"]
        assert not Enterprise.objects.exists()

    def test_duplicate_uscc_is_refused(self, client_as, inspector, sanhe_enterprise):
        response = client_as(inspector).post(ADD, form_data(uscc=sanhe_enterprise.uscc))
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["uscc"]
        assert Enterprise.objects.count() == 1

    def test_valid_form_creates_through_the_service(self, client_as, inspector):
        uscc = make_uscc(4242, SANHE)
        response = client_as(inspector).post(ADD, form_data(uscc=f"  {uscc.lower()} "))
        assert response.status_code == 302
        enterprise = Enterprise.objects.get()
        # normalize_uscc in the service: trimmed and upper-cased.
        assert enterprise.uscc == uscc
        assert enterprise.region_id == SANHE
        assert response["Location"] == CHANGELIST

    def test_change_saves_through_the_service(self, client_as, inspector, sanhe_enterprise):
        data = form_data(
            name="三河市某化工有限公司（更名）",
            uscc=sanhe_enterprise.uscc,
            industry=sanhe_enterprise.industry_id,
            status="closed",
        )
        response = client_as(inspector).post(change_url(sanhe_enterprise), data)
        assert response.status_code == 302
        sanhe_enterprise.refresh_from_db()
        assert sanhe_enterprise.name == "三河市某化工有限公司（更名）"
        assert sanhe_enterprise.status == "closed"

    def test_on_positive_list_cannot_be_set_in_the_form(
        self, client_as, inspector, sanhe_enterprise
    ):
        data = form_data(uscc=sanhe_enterprise.uscc, on_positive_list="on")
        client_as(inspector).post(change_url(sanhe_enterprise), data)
        sanhe_enterprise.refresh_from_db()
        assert sanhe_enterprise.on_positive_list is False
        assert not PositiveListEntry.objects.exists()

    def test_enterprises_are_never_deleted(self, client_as, administrator, sanhe_enterprise):
        client = client_as(administrator)
        assert client.get(f"{CHANGELIST}{sanhe_enterprise.pk}/delete/").status_code == 403
        response = client.get(CHANGELIST)
        assert "delete_selected" not in response.content.decode()

    def test_manager_reads_but_cannot_change(self, client_as, manager, sanhe_enterprise):
        client = client_as(manager)
        assert client.get(change_url(sanhe_enterprise)).status_code == 200
        response = client.post(change_url(sanhe_enterprise), form_data(name="改名"))
        assert response.status_code == 403


@pytest.mark.django_db
class TestSearchAndFilters:
    @pytest.fixture
    def enterprises(self):
        return {
            "chem": EnterpriseFactory(
                name="三河市某化工有限公司", region_id=SANHE, industry_id="26"
            ),
            "steel": EnterpriseFactory(
                name="霸州市某钢管有限公司",
                region_id=BAZHOU,
                industry_id="33",
                performance_grade="A",
                permit_category="registration",
                status="suspended",
                vocs_related=True,
            ),
            "farm": EnterpriseFactory(
                name="霸州市某养殖场", region_id=BAZHOU, industry_id="03", performance_grade=""
            ),
        }

    def names(self, client, **params) -> list[str]:
        response = client.get(CHANGELIST, params)
        assert response.status_code == 200
        return sorted(listed_names(response))

    def test_search_by_name(self, client_as, manager, enterprises):
        assert self.names(client_as(manager), q="钢管") == ["霸州市某钢管有限公司"]

    def test_search_by_full_uscc(self, client_as, manager, enterprises):
        uscc = enterprises["farm"].uscc
        assert self.names(client_as(manager), q=uscc) == ["霸州市某养殖场"]

    def test_search_by_uscc_prefix_lowercase(self, client_as, manager, enterprises):
        prefix = enterprises["steel"].uscc[:14].lower()
        assert "霸州市某钢管有限公司" in self.names(client_as(manager), q=prefix)

    def test_search_treats_like_wildcards_literally(self, client_as, manager, enterprises):
        assert self.names(client_as(manager), q="%") == []

    def test_search_stays_in_scope(self, client_as, inspector, enterprises):
        assert self.names(client_as(inspector), q="霸州") == []

    def test_filter_by_region(self, client_as, manager, enterprises):
        assert self.names(client_as(manager), region=BAZHOU) == [
            "霸州市某养殖场",
            "霸州市某钢管有限公司",
        ]

    def test_filter_by_region_outside_scope_shows_nothing(self, client_as, inspector, enterprises):
        assert self.names(client_as(inspector), region=BAZHOU) == []

    def test_filter_by_city_takes_its_counties(self, client_as, manager, enterprises):
        assert len(self.names(client_as(manager), region="131000")) == 3

    def test_filter_by_industry_section(self, client_as, manager, enterprises):
        # C 制造业 holds divisions 26 and 33; 03 is agriculture (A).
        assert self.names(client_as(manager), section="C") == [
            "三河市某化工有限公司",
            "霸州市某钢管有限公司",
        ]

    def test_filter_by_industry_division(self, client_as, manager, enterprises):
        names = self.names(client_as(manager), industry__code__exact="33")
        assert names == ["霸州市某钢管有限公司"]

    def test_filter_by_permit_category(self, client_as, manager, enterprises):
        names = self.names(client_as(manager), permit_category__exact="registration")
        assert names == ["霸州市某钢管有限公司"]

    def test_filter_by_grade(self, client_as, manager, enterprises):
        assert self.names(client_as(manager), grade="A") == ["霸州市某钢管有限公司"]

    def test_filter_by_unrated_grade(self, client_as, manager, enterprises):
        assert self.names(client_as(manager), grade="unrated") == [
            "三河市某化工有限公司",
            "霸州市某养殖场",
        ]

    def test_filter_by_positive_list(self, client_as, manager, administrator, enterprises):
        positive_list_add(user=administrator, enterprise=enterprises["farm"], reason="守法记录良好")
        names = self.names(client_as(manager), on_positive_list__exact="1")
        assert names == ["霸州市某养殖场"]

    def test_filter_by_status(self, client_as, manager, enterprises):
        assert self.names(client_as(manager), status__exact="suspended") == ["霸州市某钢管有限公司"]

    def test_filter_by_flag(self, client_as, manager, enterprises):
        assert self.names(client_as(manager), vocs_related__exact="1") == ["霸州市某钢管有限公司"]

    def test_region_filter_offers_only_own_regions(self, rf, inspector, manager):
        from django.contrib import admin

        from companies.admin import RegionFilter

        model_admin = admin.site.get_model_admin(Enterprise)
        for user, expected in ((inspector, [SANHE]), (manager, ["131000", *COUNTIES])):
            request = rf.get(CHANGELIST)
            request.user = user
            choices = RegionFilter(request, {}, Enterprise, model_admin).lookup_choices
            assert [code for code, _ in choices] == expected


@pytest.mark.django_db
class TestPositiveList:
    def start_action(self, client, action, *enterprises):
        return client.post(
            CHANGELIST,
            {
                "action": action,
                "_selected_action": [enterprise.pk for enterprise in enterprises],
                "index": "0",
                "select_across": "0",
            },
        )

    def apply_action(self, client, action, enterprises, **fields):
        data = {
            "action": action,
            "_selected_action": [enterprise.pk for enterprise in enterprises],
            "apply": "1",
            "reason": "连续三年无违法记录",
            "on": timezone.localdate().isoformat(),
        }
        data.update(fields)
        return client.post(CHANGELIST, data)

    def test_action_asks_for_reason_and_date(self, client_as, inspector, sanhe_enterprise):
        response = self.start_action(
            client_as(inspector), "positive_list_add_selected", sanhe_enterprise
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert "纳入理由" in content and "纳入日期" in content
        assert sanhe_enterprise.name in content
        assert not PositiveListEntry.objects.exists()

    def test_add_action_puts_enterprise_on_the_list(self, client_as, inspector, sanhe_enterprise):
        day = timezone.localdate() - timedelta(days=3)
        response = self.apply_action(
            client_as(inspector),
            "positive_list_add_selected",
            [sanhe_enterprise],
            on=day.isoformat(),
        )
        assert response.status_code == 302
        entry = PositiveListEntry.objects.get()
        assert (entry.enterprise, entry.added_on, entry.reason) == (
            sanhe_enterprise,
            day,
            "连续三年无违法记录",
        )
        assert entry.created_by == inspector
        sanhe_enterprise.refresh_from_db()
        assert sanhe_enterprise.on_positive_list is True

    def test_future_date_is_refused_on_the_form(self, client_as, inspector, sanhe_enterprise):
        tomorrow = timezone.localdate() + timedelta(days=1)
        response = self.apply_action(
            client_as(inspector),
            "positive_list_add_selected",
            [sanhe_enterprise],
            on=tomorrow.isoformat(),
        )
        assert response.status_code == 200
        assert response.context["form"].errors["on"] == ["纳入日期不能晚于今天"]
        assert not PositiveListEntry.objects.exists()

    def test_missing_reason_is_refused(self, client_as, inspector, sanhe_enterprise):
        response = self.apply_action(
            client_as(inspector), "positive_list_add_selected", [sanhe_enterprise], reason=""
        )
        assert response.status_code == 200
        assert response.context["form"].errors["reason"]
        assert not PositiveListEntry.objects.exists()

    def test_already_listed_is_skipped_with_a_warning(
        self, client_as, inspector, administrator, sanhe_enterprise
    ):
        other = EnterpriseFactory(region_id=SANHE)
        positive_list_add(user=administrator, enterprise=sanhe_enterprise, reason="早已纳入")
        response = self.apply_action(
            client_as(inspector), "positive_list_add_selected", [sanhe_enterprise, other]
        )
        assert response.status_code == 302
        assert PositiveListEntry.objects.count() == 2
        messages = [str(m) for m in response.wsgi_request._messages]
        assert f"{sanhe_enterprise.name} 已在正面清单中" in messages

    def test_remove_action_takes_enterprise_off(
        self, client_as, inspector, administrator, sanhe_enterprise
    ):
        positive_list_add(
            user=administrator,
            enterprise=sanhe_enterprise,
            reason="守法",
            added_on=timezone.localdate() - timedelta(days=30),
        )
        response = self.apply_action(
            client_as(inspector),
            "positive_list_remove_selected",
            [sanhe_enterprise],
            reason="发现超标排放",
        )
        assert response.status_code == 302
        entry = PositiveListEntry.objects.get()
        assert entry.removed_on == timezone.localdate()
        assert entry.removal_reason == "发现超标排放"
        sanhe_enterprise.refresh_from_db()
        assert sanhe_enterprise.on_positive_list is False

    def test_action_cannot_reach_enterprises_outside_scope(
        self, client_as, inspector, bazhou_enterprise
    ):
        self.apply_action(client_as(inspector), "positive_list_add_selected", [bazhou_enterprise])
        assert not PositiveListEntry.objects.exists()

    def test_manager_has_no_positive_list_action(self, client_as, manager, sanhe_enterprise):
        response = client_as(manager).get(CHANGELIST)
        assert "positive_list_add_selected" not in response.content.decode()
        self.apply_action(client_as(manager), "positive_list_add_selected", [sanhe_enterprise])
        assert not PositiveListEntry.objects.exists()

    def test_change_page_offers_the_step_that_applies(self, client_as, inspector, sanhe_enterprise):
        content = client_as(inspector).get(change_url(sanhe_enterprise)).content.decode()
        assert "positive-list-add/" in content
        assert "positive-list-remove/" not in content

    def test_detail_action_adds_and_returns_to_the_enterprise(
        self, client_as, inspector, sanhe_enterprise
    ):
        client = client_as(inspector)
        url = f"{CHANGELIST}{sanhe_enterprise.pk}/positive-list-add/"
        assert client.get(url).status_code == 200
        response = client.post(
            url,
            {"apply": "1", "reason": "信用良好", "on": timezone.localdate().isoformat()},
        )
        assert response.status_code == 302
        assert response["Location"] == change_url(sanhe_enterprise)
        sanhe_enterprise.refresh_from_db()
        assert sanhe_enterprise.on_positive_list is True

    def test_detail_action_outside_scope_is_404(self, client_as, inspector, bazhou_enterprise):
        url = f"{CHANGELIST}{bazhou_enterprise.pk}/positive-list-add/"
        assert client_as(inspector).get(url).status_code == 404

    def test_entry_list_is_scoped_and_read_only(
        self, client_as, inspector, administrator, sanhe_enterprise, bazhou_enterprise
    ):
        positive_list_add(user=administrator, enterprise=sanhe_enterprise, reason="甲")
        positive_list_add(user=administrator, enterprise=bazhou_enterprise, reason="乙")
        client = client_as(inspector)
        response = client.get("/admin/companies/positivelistentry/")
        assert [e.reason for e in response.context["cl"].result_list] == ["甲"]
        assert client.get("/admin/companies/positivelistentry/add/").status_code == 403


@pytest.mark.django_db
class TestSpeed:
    @pytest.mark.parametrize("count", [5, 60])
    def test_changelist_query_count_does_not_grow(
        self, client_as, inspector, count, django_assert_num_queries
    ):
        EnterpriseFactory.create_batch(count, region_id=SANHE)
        client = client_as(inspector)
        # 1 session, 2 user, 3–4 the user's own and group permissions,
        # 5 officer profile, 6 officer's regions, 7 region codes under them,
        # 8 region filter choices, 9 industries (section filter choices),
        # 10 the planner's row estimate (EXPLAIN), 11 bounded count
        # (SELECT COUNT(*) FROM (… LIMIT 10001)), 12 the page with region
        # and industry joined. 60 rows span two pages of 50: the same queries.
        with django_assert_num_queries(12):
            response = client.get(CHANGELIST)
        assert len(response.context["cl"].result_list) == min(count, 50)

    def test_large_list_shows_an_estimate(self, client_as, manager, monkeypatch):
        EnterpriseFactory.create_batch(6, region_id=SANHE)
        monkeypatch.setattr(EstimatedCountPaginator, "exact_limit", 3)
        response = client_as(manager).get(CHANGELIST)
        cl = response.context["cl"]
        assert cl.paginator.estimated is True
        assert cl.result_count >= 4
        html = response.content.decode()
        assert re.search(r"约\s+\d+\s+企业", html)  # beside the page links
        assert re.search(r"约\s+\d+\s+条", html)  # in the page header

    def test_small_list_is_counted_exactly(self, client_as, manager):
        EnterpriseFactory.create_batch(3, region_id=SANHE)
        response = client_as(manager).get(CHANGELIST)
        assert response.context["cl"].paginator.estimated is False
        assert response.context["cl"].result_count == 3
        assert not re.search(r"约\s+\d+\s+企业", response.content.decode())


@pytest.mark.django_db
class TestLook:
    def test_no_asset_comes_from_the_internet(self, client_as, inspector, sanhe_enterprise):
        for url in (CHANGELIST, ADD, change_url(sanhe_enterprise)):
            html = client_as(inspector).get(url).content.decode()
            assets = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', html)
            assert assets, url
            assert not [a for a in assets if a.startswith(("http://", "https://", "//"))], url
            assert "fonts.googleapis" not in html

    def test_labels_are_chinese(self, client_as, inspector, sanhe_enterprise):
        html = client_as(inspector).get(CHANGELIST).content.decode()
        for label in ("统一社会信用代码", "所在县（市、区）", "排污许可管理类别", "正面清单"):
            assert label in html
        assert "生态环境执法管理系统" in html

    def test_theme_strings_are_translated(self, client):
        html = client.get("/admin/login/").content.decode()
        assert "欢迎使用" in html and "返回首页" in html
        assert "Welcome back" not in html

    def test_sidebar_groups(self, client_as, inspector):
        html = client_as(inspector).get(CHANGELIST).content.decode()
        assert "人员与区划" in html
        assert "/admin/companies/enterprise/" in html
