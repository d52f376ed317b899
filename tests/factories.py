"""factory_boy factories and helpers shared by the whole suite."""

from __future__ import annotations

import random

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import Officer, Region
from accounts.roles import STAFF_ROLES, Role
from companies.models import Enterprise, Industry
from companies.validators import USCC_CHARSET, uscc_check_char

User = get_user_model()
PASSWORD = "Secret-pass-123"


def make_uscc(rng: random.Random | int | None = None, region_code: str = "131082") -> str:
    """A valid 18-character USCC (registration authority 9, enterprise 1)."""
    rng = rng if isinstance(rng, random.Random) else random.Random(rng)
    body = "91" + region_code + "".join(rng.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class OfficerFactory(factory.django.DjangoModelFactory):
    """An officer with a user; pass ``roles=[...]`` and ``regions=[codes]``."""

    class Meta:
        model = Officer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"执法员{n}")
    badge_number = factory.Sequence(lambda n: f"13100{n:05d}")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        roles = list(extracted or [])
        if roles:
            self.user.groups.set(Group.objects.filter(name__in=roles))
            self.user.is_staff = bool(STAFF_ROLES.intersection(Role(r) for r in roles))
            self.user.save(update_fields=["is_staff"])

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if extracted:
            self.regions.set(Region.objects.filter(code__in=extracted))


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: make_uscc(n))
    name = factory.Sequence(lambda n: f"廊坊测试企业{n}有限公司")
    region = factory.LazyFunction(lambda: Region.objects.get(code="131082"))
    industry = factory.LazyFunction(lambda: Industry.objects.get(code="26"))
    address = "河北省廊坊市"
