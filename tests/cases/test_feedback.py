"""Service evaluation and complaints (服务评价、监督投诉): one-time links (hashed,
single use, expiry, re-issue), the public pages and their rate limits, the
anonymous API, the complaints queue, the staff API (scope, filters, query
count) and the admin."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases import feedback_services as services
from cases.models import ComplaintStep, Feedback, FeedbackLink
from ecoenforce.errors import ConflictError, DomainError, Forbidden
from tests.cases.conftest import CERTIFICATE_VALID_UNTIL
from tests.cases.feedback_support import inspection, visit
from tests.conftest import BAZHOU, SANHE
from tests.factories import EnterpriseFactory, OfficerFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/feedback/"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and DRF throttles count in the cache: every test starts at zero."""
    cache.clear()
    yield
    cache.clear()


def fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def sanhe_visit(sanhe_enterprise, inspector, colleague):
    return visit(
        sanhe_enterprise, timezone.localdate(), officers=[inspector.officer, colleague.officer]
    )


@pytest.fixture
def bazhou_visit(bazhou_enterprise, other_inspector):
    return visit(bazhou_enterprise, timezone.localdate(), officers=[other_inspector.officer])


@pytest.fixture
def issued(sanhe_visit, inspector):
    """``(link, raw_token, url)`` of a link issued by the visit's inspector."""
    return services.feedback_link_create(actor=inspector, visit=sanhe_visit)


@pytest.fixture
def token(issued):
    return issued[1]


def rate(token, rating=4, comment="服务规范，讲解清楚"):
    return services.feedback_submit(raw_token=token, kind="rating", rating=rating, comment=comment)


def complain(token, text="检查人员态度粗暴", officers=()):
    return services.feedback_submit(
        raw_token=token, kind="complaint", complaint_text=text, subject_officers=list(officers)
    )


def expire(link) -> None:
    """Move a link's 14 days into the past."""
    now = timezone.now()
    FeedbackLink.objects.filter(pk=link.pk).update(
        created_at=now - timedelta(days=15), expires_at=now - timedelta(days=1)
    )


def page_text(response) -> str:
    return response.content.decode()


# --- links ------------------------------------------------------------------------------------


class TestLinks:
    def test_token_is_stored_hashed_and_only_the_url_carries_it(self, issued, sanhe_visit):
        link, raw, url = issued
        assert len(raw) >= 40
        assert link.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert url == f"/feedback/{raw}/"
        row = FeedbackLink.objects.filter(pk=link.pk).values().get()
        assert raw not in repr(row)
        assert row["visit_id"] == sanhe_visit.pk and row["inspection_id"] is None
        assert row["enterprise_id"] == sanhe_visit.enterprise_id
        assert row["region_id"] == SANHE

    def test_shows_the_visits_officers_and_expires_after_the_setting(
        self, sanhe_visit, inspector, colleague, settings
    ):
        settings.ECOENFORCE_FEEDBACK_LINK_DAYS = 3
        before = timezone.now()
        link, _, _ = services.feedback_link_create(actor=colleague, visit=sanhe_visit)
        assert set(link.officers.all()) == {inspector.officer, colleague.officer}
        assert before + timedelta(days=3) <= link.expires_at <= timezone.now() + timedelta(days=3)

    def test_default_validity_is_14_days(self, issued):
        link = issued[0]
        assert link.expires_at - link.created_at == pytest.approx(
            timedelta(days=14), abs=timedelta(seconds=5)
        )

    def test_reissue_revokes_the_unused_link(self, issued, sanhe_visit, inspector):
        first, first_token, _ = issued
        second, second_token, _ = services.feedback_link_create(actor=inspector, visit=sanhe_visit)
        first.refresh_from_db()
        assert first.revoked_at is not None and second.revoked_at is None
        with pytest.raises(ConflictError) as excinfo:
            rate(first_token)
        assert excinfo.value.code == "link_revoked"
        assert "作废" in excinfo.value.message
        assert rate(second_token).rating == 4

    def test_for_an_inspection_under_way_or_completed(self, sanhe_enterprise, inspector, colleague):
        officers = [inspector.officer, colleague.officer]
        done = inspection(sanhe_enterprise, timezone.localdate(), officers)
        link, _, _ = services.feedback_link_create(actor=inspector, inspection=done)
        assert link.inspection_id == done.pk and link.visit_id is None
        requested = inspection(sanhe_enterprise, timezone.localdate(), officers, status="requested")
        with pytest.raises(ConflictError) as excinfo:
            services.feedback_link_create(actor=inspector, inspection=requested)
        assert excinfo.value.code == "inspection_not_started"
        assert not FeedbackLink.objects.filter(inspection=requested).exists()

    def test_an_inspector_not_on_the_visit_is_refused(self, sanhe_visit):
        stranger = OfficerFactory(roles=[Role.INSPECTOR], regions=[SANHE]).user
        with pytest.raises(Forbidden) as excinfo:
            services.feedback_link_create(actor=stranger, visit=sanhe_visit)
        assert excinfo.value.code == "not_an_officer"
        assert not FeedbackLink.objects.exists()

    def test_an_approver_of_the_region_may_issue(self, sanhe_visit, approver):
        link, _, _ = services.feedback_link_create(actor=approver, visit=sanhe_visit)
        assert link.created_by == approver

    def test_outside_the_region_is_not_found(self, bazhou_visit, inspector):
        with pytest.raises(services.FeedbackNotFound):
            services.feedback_link_create(actor=inspector, visit=bazhou_visit)
        assert not FeedbackLink.objects.exists()

    @pytest.mark.parametrize("both", [True, False])
    def test_exactly_one_visit_or_inspection(self, sanhe_visit, inspector, colleague, both):
        kwargs = {}
        if both:
            kwargs = {
                "visit": sanhe_visit,
                "inspection": inspection(
                    sanhe_visit.enterprise, timezone.localdate(), [inspector.officer]
                ),
            }
        with pytest.raises(DomainError) as excinfo:
            services.feedback_link_create(actor=inspector, **kwargs)
        assert excinfo.value.code == "subject_required"


# --- the enterprise's submission ------------------------------------------------------------


class TestSubmit:
    def test_rating_is_stored_with_the_date_region_and_visit(self, token, sanhe_visit):
        feedback = rate(token, rating=5)
        assert feedback.kind == "rating" and feedback.rating == 5
        assert feedback.comment == "服务规范，讲解清楚"
        assert feedback.submitted_on == timezone.localdate()
        assert feedback.region_id == SANHE
        assert feedback.enterprise_id == sanhe_visit.enterprise_id
        assert feedback.visit_id == sanhe_visit.pk and feedback.status == ""
        assert feedback.link.used_at is not None

    def test_a_link_is_used_once(self, token):
        rate(token)
        with pytest.raises(ConflictError) as excinfo:
            complain(token)
        assert excinfo.value.status == 409
        assert excinfo.value.code == "link_used"
        assert "只能使用一次" in excinfo.value.message
        assert Feedback.objects.count() == 1

    def test_an_expired_link_is_refused(self, issued):
        link, token, _ = issued
        expire(link)
        with pytest.raises(ConflictError) as excinfo:
            rate(token)
        assert excinfo.value.code == "link_expired"
        assert "过期" in excinfo.value.message
        assert not Feedback.objects.exists()
        link.refresh_from_db()
        assert link.used_at is None

    @pytest.mark.parametrize("token", ["", "x" * 43, "x" * 500])
    def test_an_unknown_token_is_not_found(self, token, issued):
        with pytest.raises(services.FeedbackLinkInvalid) as excinfo:
            rate(token)
        assert excinfo.value.status == 404
        assert "链接无效" in excinfo.value.message

    @pytest.mark.parametrize("rating", [None, 0, 6, "abc", "3.5", True])
    def test_rating_must_be_1_to_5(self, token, rating, issued):
        with pytest.raises(DomainError) as excinfo:
            rate(token, rating=rating)
        assert excinfo.value.code == "invalid_rating"
        assert excinfo.value.message == "请选择 1–5 星的评分"
        assert not Feedback.objects.exists()
        issued[0].refresh_from_db()
        assert issued[0].used_at is None

    def test_one_rating_per_visit_but_a_complaint_after_it(
        self, token, sanhe_visit, inspector, colleague
    ):
        rate(token)
        _, again, _ = services.feedback_link_create(actor=inspector, visit=sanhe_visit)
        with pytest.raises(ConflictError) as excinfo:
            rate(again, rating=1)
        assert excinfo.value.code == "already_rated"
        complaint = complain(again, officers=[colleague.officer.pk])
        assert complaint.status == "new"
        assert list(complaint.subject_officers.all()) == [colleague.officer]

    def test_complaint_needs_its_text_and_the_links_officers(self, token):
        with pytest.raises(DomainError) as excinfo:
            complain(token, text="  ")
        assert excinfo.value.code == "required"
        stranger = OfficerFactory(roles=[Role.INSPECTOR], regions=[SANHE])
        with pytest.raises(DomainError) as excinfo:
            complain(token, officers=[stranger.pk])
        assert excinfo.value.field == "subject_officers"
        assert not Feedback.objects.exists()

    def test_complaint_enters_the_queue_with_a_history_row(self, token):
        complaint = complain(token)
        assert complaint.status == "new" and complaint.rating is None
        step = ComplaintStep.objects.get(feedback=complaint)
        assert (step.from_status, step.to_status, step.label) == ("", "new", "企业提交投诉")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submissions_at_once_give_one_feedback(in_threads, sanhe_enterprise, inspector):
    """The link row is locked: the second submission waits and finds it used."""
    on = timezone.localdate()
    link_visit = visit(sanhe_enterprise, on, officers=[inspector.officer])
    _, token, _ = services.feedback_link_create(actor=inspector, visit=link_visit)
    outcomes = in_threads(lambda: rate(token, 5), lambda: complain(token))
    stored = [o for o in outcomes if isinstance(o, Feedback)]
    refused = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(stored) == 1 and len(refused) == 1, outcomes
    assert refused[0].code == "link_used"
    assert Feedback.objects.count() == 1


# --- public pages --------------------------------------------------------------------------


def external_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["'](?:https?:)?//[^"']+""", html)


class TestPublicPages:
    def test_form_shows_the_visit_and_its_officers_without_login(
        self, client, token, inspector, sanhe_enterprise
    ):
        response = client.get(f"/feedback/{token}/")
        html = page_text(response)
        assert response.status_code == 200
        assert sanhe_enterprise.name in html
        assert inspector.officer.name in html and inspector.officer.badge_number in html
        assert html.count('name="rating"') == 5
        assert "监督投诉" in html
        assert external_urls(html) == []

    def test_rating_then_thanks_then_used(self, client, token):
        response = client.post(
            f"/feedback/{token}/", {"kind": "rating", "rating": "5", "comment": "很好"}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("feedback-thanks"))
        thanks = client.get(response["Location"])
        assert "感谢您的评价" in page_text(thanks)
        feedback = Feedback.objects.get()
        assert (feedback.rating, feedback.comment) == (5, "很好")
        again = client.post(f"/feedback/{token}/", {"kind": "rating", "rating": "1"})
        assert again.status_code == 409
        assert "只能使用一次" in page_text(again)
        assert Feedback.objects.count() == 1

    def test_complaint_through_the_page(self, client, token, colleague):
        response = client.post(
            f"/feedback/{token}/",
            {
                "kind": "complaint",
                "complaint_text": "索要好处",
                "subject_officers": [str(colleague.officer.pk)],
                "contact": "13800000000",
            },
        )
        assert response.status_code == 302
        complaint = Feedback.objects.get()
        assert complaint.kind == "complaint" and complaint.contact == "13800000000"
        assert list(complaint.subject_officers.all()) == [colleague.officer]
        assert "投诉已提交" in page_text(client.get(response["Location"]))

    def test_missing_rating_is_shown_on_the_form(self, client, token, issued):
        response = client.post(f"/feedback/{token}/", {"kind": "rating", "comment": "还行"})
        assert response.status_code == 400
        assert "请选择 1–5 星的评分" in page_text(response)
        assert not Feedback.objects.exists()

    def test_expired_and_unknown_links(self, client, issued):
        link, token, _ = issued
        unknown = client.get("/feedback/not-a-real-token/")
        assert unknown.status_code == 404
        assert "链接无效" in page_text(unknown)
        expire(link)
        expired = client.get(f"/feedback/{token}/")
        assert expired.status_code == 409
        assert "已过期" in page_text(expired)

    def test_rate_limit_per_link(self, client, token, settings):
        settings.ECOENFORCE_FEEDBACK_RATE_PER_TOKEN = 3
        for _ in range(3):
            assert client.get(f"/feedback/{token}/").status_code == 200
        limited = client.get(f"/feedback/{token}/")
        assert limited.status_code == 429
        assert "过于频繁" in page_text(limited)
        assert limited["Retry-After"] == str(settings.ECOENFORCE_FEEDBACK_RATE_WINDOW)
        posted = client.post(f"/feedback/{token}/", {"kind": "rating", "rating": "5"})
        assert posted.status_code == 429
        assert not Feedback.objects.exists()

    def test_rate_limit_per_address_across_tokens(self, client, settings):
        settings.ECOENFORCE_FEEDBACK_RATE_PER_IP = 2
        assert client.get("/feedback/guess-1/").status_code == 404
        assert client.get("/feedback/guess-2/").status_code == 404
        assert client.get("/feedback/guess-3/").status_code == 429
        other = client.get("/feedback/guess-4/", REMOTE_ADDR="10.0.0.9")
        assert other.status_code == 404


# --- anonymous API ---------------------------------------------------------------------------


class TestSubmitApi:
    URL = f"{API}submit/"

    def test_rating_is_stored_once(self, api, token):
        response = api.post(
            self.URL,
            {"token": token, "kind": "rating", "rating": 4, "comment": "好"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["kind"] == "rating"
        again = api.post(self.URL, {"token": token, "kind": "rating", "rating": 2}, format="json")
        assert again.status_code == 409
        assert again.json()["errors"][0]["code"] == "link_used"
        assert Feedback.objects.count() == 1

    def test_unknown_token_and_bad_rating(self, api, token):
        unknown = api.post(
            self.URL, {"token": "nope", "kind": "rating", "rating": 4}, format="json"
        )
        assert unknown.status_code == 404
        bad = api.post(self.URL, {"token": token, "kind": "rating", "rating": 9}, format="json")
        assert bad.status_code == 400
        assert bad.json()["errors"] == [
            {"field": "rating", "code": "invalid_rating", "message": "请选择 1–5 星的评分"}
        ]
        assert not Feedback.objects.exists()

    def test_rate_limited_per_link(self, api, token, settings):
        settings.ECOENFORCE_FEEDBACK_RATE_PER_TOKEN = 1
        first = api.post(self.URL, {"token": token, "kind": "rating", "rating": 9}, format="json")
        assert first.status_code == 400
        second = api.post(self.URL, {"token": token, "kind": "rating", "rating": 4}, format="json")
        assert second.status_code == 429
        assert not Feedback.objects.exists()

    def test_schema_lists_the_submit_as_anonymous(self, api):
        response = api.get("/api/schema/", {"format": "json"})
        paths = response.json()["paths"]
        assert "security" not in paths["/api/v1/feedback/submit/"]["post"]
        assert paths["/api/v1/feedback/"]["get"]["security"]


# --- complaint handling ----------------------------------------------------------------------


@pytest.fixture
def complaint(token, colleague):
    return complain(token, officers=[colleague.officer.pk])


class TestComplaintQueue:
    def test_take_reply_close(self, complaint, approver):
        services.complaint_take(feedback=complaint, actor=approver, note="转交核查")
        complaint.refresh_from_db()
        assert complaint.status == "handling" and complaint.handler == approver
        services.complaint_reply(feedback=complaint, actor=approver, reply="经核查，已批评教育")
        services.complaint_close(feedback=complaint, actor=approver)
        complaint.refresh_from_db()
        assert complaint.status == "closed"
        assert complaint.reply == "经核查，已批评教育"
        assert complaint.replied_on == complaint.closed_on == timezone.localdate()
        assert list(complaint.steps.values_list("to_status", "label")) == [
            ("new", "企业提交投诉"),
            ("handling", "受理"),
            ("handling", "答复"),
            ("closed", "办结"),
        ]

    def test_taking_again_is_a_no_op_for_the_handler_and_409_for_another(self, complaint, approver):
        services.complaint_take(feedback=complaint, actor=approver)
        services.complaint_take(feedback=complaint, actor=approver)
        other = OfficerFactory(roles=[Role.APPROVER], regions=[SANHE]).user
        with pytest.raises(ConflictError) as excinfo:
            services.complaint_take(feedback=complaint, actor=other)
        assert "已由其他人员受理" in excinfo.value.message
        assert complaint.steps.count() == 2

    def test_reply_before_take_and_close_before_reply_are_refused(self, complaint, approver):
        with pytest.raises(ConflictError) as excinfo:
            services.complaint_reply(feedback=complaint, actor=approver, reply="答复")
        assert "请先受理" in excinfo.value.message
        services.complaint_take(feedback=complaint, actor=approver)
        with pytest.raises(ConflictError) as excinfo:
            services.complaint_close(feedback=complaint, actor=approver)
        assert excinfo.value.code == "reply_required"
        complaint.refresh_from_db()
        assert complaint.status == "handling"

    def test_only_supervisors_of_the_region_and_never_about_themselves(
        self, complaint, inspector, sanhe_visit
    ):
        with pytest.raises(Forbidden):
            services.complaint_take(feedback=complaint, actor=inspector)
        elsewhere = OfficerFactory(roles=[Role.APPROVER], regions=[BAZHOU]).user
        with pytest.raises(services.FeedbackNotFound):
            services.complaint_take(feedback=complaint, actor=elsewhere)
        on_the_visit = OfficerFactory(
            roles=[Role.APPROVER], regions=[SANHE], certificate_valid_until=CERTIFICATE_VALID_UNTIL
        )
        sanhe_visit.officers.add(on_the_visit)
        complaint.link.officers.add(on_the_visit)
        with pytest.raises(Forbidden) as excinfo:
            services.complaint_take(feedback=complaint, actor=on_the_visit.user)
        assert excinfo.value.code == "own_complaint"
        complaint.refresh_from_db()
        assert complaint.status == "new"

    def test_a_rating_is_not_handled(self, token, approver):
        rating = rate(token)
        with pytest.raises(DomainError) as excinfo:
            services.complaint_take(feedback=rating, actor=approver)
        assert excinfo.value.code == "not_a_complaint"

    def test_reply_date_not_before_submission_nor_in_the_future(self, complaint, approver):
        services.complaint_take(feedback=complaint, actor=approver)
        for day in (
            complaint.submitted_on - timedelta(days=1),
            timezone.localdate() + timedelta(1),
        ):
            with pytest.raises(DomainError):
                services.complaint_reply(
                    feedback=complaint, actor=approver, reply="答复", replied_on=day
                )
        complaint.refresh_from_db()
        assert complaint.reply == ""


# --- staff API --------------------------------------------------------------------------------


def make_feedback(enterprise, *, kind="rating", rating=4, officers=None, submitted_on=None):
    """A feedback through a link of a new visit of ``enterprise``."""
    officer = (
        officers[0]
        if officers
        else OfficerFactory(roles=[Role.INSPECTOR], regions=[enterprise.region_id])
    )
    officers = officers or [officer]
    row_visit = visit(enterprise, timezone.localdate(), officers=officers)
    _, token, _ = services.feedback_link_create(actor=officers[0].user, visit=row_visit)
    feedback = rate(token, rating) if kind == "rating" else complain(token)
    if submitted_on is not None:
        Feedback.objects.filter(pk=feedback.pk).update(submitted_on=submitted_on)
        feedback.refresh_from_db()
    return feedback


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


class TestStaffApi:
    def test_scope_and_who_reads_complaints(
        self, api_as, inspector, approver, manager, sanhe_enterprise, bazhou_enterprise
    ):
        own = make_feedback(sanhe_enterprise, officers=[inspector.officer])
        colleagues = make_feedback(sanhe_enterprise)
        sanhe_complaint = make_feedback(
            sanhe_enterprise, kind="complaint", officers=[inspector.officer]
        )
        bazhou = make_feedback(bazhou_enterprise)
        assert ids(api_as(fresh(inspector)).get(API)) == {own.pk}
        assert ids(api_as(fresh(approver)).get(API)) == {own.pk, colleagues.pk, sanhe_complaint.pk}
        assert ids(api_as(fresh(manager)).get(API)) == {
            own.pk,
            colleagues.pk,
            sanhe_complaint.pk,
            bazhou.pk,
        }
        assert api_as(fresh(approver)).get(f"{API}{bazhou.pk}/").status_code == 404

    def test_anonymous_and_platforms_read_nothing(self, api, api_as, monitoring_platform):
        assert api.get(API).status_code == 401
        assert api_as(monitoring_platform).get(API).status_code == 403

    @pytest.fixture
    def rows(self, sanhe_enterprise, bazhou_enterprise):
        other = EnterpriseFactory(region_id=SANHE)
        today = timezone.localdate()
        return {
            "a": make_feedback(sanhe_enterprise, submitted_on=today - timedelta(days=40)),
            "b": make_feedback(sanhe_enterprise, kind="complaint"),
            "c": make_feedback(other, submitted_on=today - timedelta(days=10)),
            "d": make_feedback(bazhou_enterprise, kind="complaint"),
        }

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"kind": "complaint"}, {"b", "d"}),
            ({"kind": "rating"}, {"a", "c"}),
            ({"status": "new"}, {"b", "d"}),
            ({"region": BAZHOU}, {"d"}),
            ({"region": "131000"}, {"a", "b", "c", "d"}),
            ({"submitted_before": "{today-20}"}, {"a"}),
            ({"submitted_after": "{today-20}"}, {"b", "c", "d"}),
        ],
    )
    def test_filters(self, api_as, manager, rows, params, expected):
        today = timezone.localdate()
        params = {
            key: str(today - timedelta(days=20)) if value == "{today-20}" else value
            for key, value in params.items()
        }
        assert ids(api_as(fresh(manager)).get(API, params)) == {rows[k].pk for k in expected}

    def test_filter_by_enterprise(self, api_as, manager, rows, sanhe_enterprise):
        found = ids(api_as(fresh(manager)).get(API, {"enterprise": sanhe_enterprise.pk}))
        assert found == {rows["a"].pk, rows["b"].pk}

    def test_filter_updated_since(self, api_as, manager, rows, approver):
        cutoff = timezone.now()
        services.complaint_take(feedback=rows["b"], actor=approver)
        found = ids(api_as(fresh(manager)).get(API, {"updated_since": cutoff.isoformat()}))
        assert found == {rows["b"].pk}

    @pytest.mark.parametrize("size", [3, 12])
    def test_list_query_count_does_not_grow(
        self, api_as, manager, sanhe_enterprise, size, django_assert_num_queries
    ):
        for n in range(size):
            make_feedback(sanhe_enterprise, kind="complaint" if n % 3 == 0 else "rating")
        client = api_as(fresh(manager))
        # user and group permissions, officer, scope roots, roles (feedback
        # visibility), COUNT, the page (enterprise, region, visit, inspection,
        # handler, link joined), the links' officers, the subject officers.
        with django_assert_num_queries(9):
            response = client.get(API, {"page_size": 100})
        assert response.json()["count"] == size

    def test_detail_shows_history_and_allowed_actions(self, api_as, approver, complaint):
        body = api_as(fresh(approver)).get(f"{API}{complaint.pk}/").json()
        assert body["status"] == "new" and body["kind"] == "complaint"
        assert [step["label"] for step in body["steps"]] == ["企业提交投诉"]
        assert body["allowed_actions"] == [{"name": "take", "label": "受理"}]
        assert {o["name"] for o in body["officers"]} == {
            o.name for o in complaint.link.officers.all()
        }

    def test_complaint_actions(self, api_as, approver, complaint):
        client = api_as(fresh(approver))
        url = f"{API}{complaint.pk}/"
        assert client.post(f"{url}close/", {}, format="json").status_code == 409
        taken = client.post(f"{url}take/", {}, format="json")
        assert taken.status_code == 200 and taken.json()["status"] == "handling"
        replied = client.post(f"{url}reply/", {"reply": "已处理"}, format="json")
        assert replied.json()["reply"] == "已处理"
        closed = client.post(f"{url}close/", {}, format="json")
        assert closed.json()["status"] == "closed"
        assert closed.json()["allowed_actions"] == []

    def test_inspectors_may_not_handle(self, api_as, inspector, complaint):
        response = api_as(fresh(inspector)).post(f"{API}{complaint.pk}/take/", {}, format="json")
        assert response.status_code == 403

    @pytest.mark.parametrize("action", ["take", "reply", "close"])
    def test_an_id_that_is_not_a_number_is_404(self, api_as, approver, complaint, action):
        response = api_as(fresh(approver)).post(
            f"{API}null,null/{action}/", {"reply": "已处理"}, format="json"
        )
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"
        complaint.refresh_from_db()
        assert complaint.status == "new" and complaint.steps.count() == 1

    def test_issue_a_link(self, api_as, inspector, sanhe_visit):
        response = api_as(fresh(inspector)).post(
            f"{API}links/", {"visit": sanhe_visit.pk}, format="json"
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["url"].startswith("http://testserver/feedback/")
        assert body["qr_svg"].startswith("<svg")
        assert body["visit"] == sanhe_visit.pk
        token = body["url"].rstrip("/").rsplit("/", 1)[1]
        assert rate(token).visit_id == sanhe_visit.pk

    def test_issue_outside_the_region_or_without_the_right(
        self, api_as, inspector, bazhou_visit, manager, sanhe_visit
    ):
        outside = api_as(fresh(inspector)).post(
            f"{API}links/", {"visit": bazhou_visit.pk}, format="json"
        )
        assert outside.status_code == 404
        forbidden = api_as(fresh(manager)).post(
            f"{API}links/", {"visit": sanhe_visit.pk}, format="json"
        )
        assert forbidden.status_code == 403
        assert not FeedbackLink.objects.exists()


# --- admin ----------------------------------------------------------------------------------


class TestAdmin:
    def test_queue_lists_open_complaints_first(self, client, approver, sanhe_enterprise):
        # Oldest first: newest-first alone would list them the other way round.
        waiting = make_feedback(sanhe_enterprise, kind="complaint")
        rating = make_feedback(sanhe_enterprise)
        handled = make_feedback(sanhe_enterprise, kind="complaint")
        services.complaint_take(feedback=handled, actor=approver)
        client.force_login(approver)
        response = client.get(reverse("admin:cases_feedback_changelist"))
        assert response.status_code == 200
        listed = [row.pk for row in response.context["cl"].result_list]
        assert listed == [waiting.pk, handled.pk, rating.pk]
        filtered = client.get(reverse("admin:cases_feedback_changelist"), {"kind": "rating"})
        assert [row.pk for row in filtered.context["cl"].result_list] == [rating.pk]

    def test_take_reply_close_from_the_admin(self, client, approver, complaint):
        client.force_login(approver)
        page = client.get(reverse("admin:cases_feedback_change", args=[complaint.pk]))
        assert page.status_code == 200
        take_url = reverse("admin:cases_feedback_take", args=[complaint.pk])
        assert take_url in page_text(page)
        assert client.post(take_url, {"note": ""}).status_code == 302
        reply_url = reverse("admin:cases_feedback_reply", args=[complaint.pk])
        refused = client.post(reply_url, {"reply": ""})
        assert refused.status_code == 400 and "请填写答复内容" in page_text(refused)
        assert client.post(reply_url, {"reply": "已约谈当事人员"}).status_code == 302
        close_url = reverse("admin:cases_feedback_close", args=[complaint.pk])
        assert client.post(close_url, {}).status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == "closed" and complaint.reply == "已约谈当事人员"

    def test_inspector_sees_no_complaint_in_the_admin(self, client, inspector, complaint):
        client.force_login(inspector)
        response = client.get(reverse("admin:cases_feedback_changelist"))
        assert list(response.context["cl"].result_list) == []
        page = client.get(reverse("admin:cases_feedback_change", args=[complaint.pk]))
        assert page.status_code == 404
        take = client.post(reverse("admin:cases_feedback_take", args=[complaint.pk]))
        assert take.status_code == 403

    def test_issue_page_shows_the_link_and_its_qr_code(self, client, inspector, sanhe_visit):
        client.force_login(inspector)
        url = reverse("admin:cases_feedbacklink_issue")
        page = client.get(url, {"visit": sanhe_visit.pk})
        assert page.status_code == 200 and "生成链接和二维码" in page_text(page)
        issued = client.post(url, {"visit": sanhe_visit.pk})
        html = page_text(issued)
        assert issued.status_code == 200
        assert "<svg" in html and "http://testserver/feedback/" in html
        link = FeedbackLink.objects.get()
        listing = client.get(reverse("admin:cases_feedbacklink_changelist"))
        assert listing.status_code == 200
        assert link.token_hash not in page_text(listing)

    def test_issue_page_outside_the_region(self, client, inspector, bazhou_visit):
        client.force_login(inspector)
        page = client.get(reverse("admin:cases_feedbacklink_issue"), {"visit": bazhou_visit.pk})
        assert page.status_code == 404
