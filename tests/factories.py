"""factory_boy factories for the stable parts of the model."""

from __future__ import annotations

from typing import Any

import factory

from parcours.accounts.models import Membership, User
from parcours.directory.models import Organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org-{n}")
    name = factory.LazyAttribute(
        lambda o: {"fr": f"Organisation {o.code}", "nl": f"Organisatie {o.code}"}
    )
    type = "other"
    country = "BE"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a membership: UserFactory(role="gp", organisation=org)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    first_name = "Test"
    last_name = factory.LazyAttribute(lambda u: u.username.capitalize())

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        from tests.conftest import PASSWORD

        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        role = kwargs.pop("role", None)
        organisation = kwargs.pop("organisation", None)
        user = super()._create(model_class, *args, **kwargs)
        if role:
            Membership.objects.get_or_create(
                user=user,
                organisation=organisation or OrganisationFactory(),
                role=role,
            )
        return user
