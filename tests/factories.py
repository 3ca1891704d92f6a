"""factory_boy factories for base data. Workflow objects are made through the real services."""

import datetime

import factory
from factory.django import DjangoModelFactory

from committee.choices import OrganizationKind, Role, Side
from committee.models import Country, JointCommittee, Organization, RoleAssignment, SectoralScope, User


class CountryFactory(DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{chr(65 + (n // 26) % 26)}{chr(65 + n % 26)}")
    name = factory.LazyAttribute(lambda o: f"Country {o.code}")


def japan() -> Country:
    return Country.objects.get(code="JP")  # created by committee.0002_reference_data


class JointCommitteeFactory(DjangoModelFactory):
    class Meta:
        model = JointCommittee
        django_get_or_create = ("partner",)

    partner = factory.SubFactory(CountryFactory)
    name = factory.LazyAttribute(lambda o: f"Japan–{o.partner.name} Joint Committee")
    established_on = datetime.date(2013, 4, 11)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = OrganizationKind.COMPANY
    country = factory.LazyFunction(japan)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.PROJECT_PARTICIPANT


def scope(number: int) -> SectoralScope:
    return SectoralScope.objects.get(number=number)


def make_user(username: str, role: str | None = None, **where) -> User:
    """A user holding one role, e.g. make_user("sec", Role.SECRETARIAT, joint_committee=jc, side=Side.JAPAN)."""
    user = UserFactory(username=username)
    if role:
        RoleAssignmentFactory(user=user, role=role, **where)
    return user


__all__ = ["Side", "Role"]
