from typing import Any, Self

import graphene
from django.db.models import QuerySet
from graphene import relay
from graphene_django import DjangoObjectType

from shop.accounts import models, registration, services
from shop.accounts.errors import AccountErrorCode
from shop.core.api.base import DomainMutation, error_type, errors_field
from shop.core.roles import Role, roles_of
from shop.core.throttling import client_network

AccountErrorCodeEnum = graphene.Enum.from_enum(AccountErrorCode, name="AccountErrorCode")
RoleEnum = graphene.Enum.from_enum(Role, name="Role")


class User(DjangoObjectType):
    phone = graphene.String(description="E.164, e.g. +8613800138000.")
    roles = graphene.List(graphene.NonNull(RoleEnum), required=True)

    class Meta:
        model = models.User
        interfaces = (relay.Node,)
        fields = ("id", "email", "name", "date_joined")

    @classmethod
    def get_queryset(
        cls, queryset: QuerySet[models.User], info: graphene.ResolveInfo
    ) -> QuerySet[models.User]:
        user = info.context.user
        return queryset.filter(pk=user.pk) if user.is_authenticated else queryset.none()

    @staticmethod
    def resolve_phone(root: models.User, info: graphene.ResolveInfo) -> str | None:
        return str(root.phone) if root.phone else None

    @staticmethod
    def resolve_roles(root: models.User, info: graphene.ResolveInfo) -> list[Role]:
        return roles_of(root)


class AccountRegisterInput(graphene.InputObjectType):
    phone = graphene.String(description="A mainland China mobile number.")
    email = graphene.String()
    password = graphene.String(required=True)
    name = graphene.String()


class AccountRegister(DomainMutation):
    """Start registering a customer account with a mobile number and/or an email:
    a one-time code goes to the phone (else the email); confirm it with
    accountRegisterConfirm. The answer is the same whether the number already
    had an account (its owner is told someone tried), so it tells nobody that."""

    class Arguments:
        input = AccountRegisterInput(required=True)

    sent_to = graphene.String(description="Where the code went, masked: 138****8000.")
    login = graphene.String(description="What to confirm with: the number in E.164, or the email.")
    user = graphene.Field(
        User, deprecation_reason="Always null: the account exists once accountRegisterConfirm."
    )
    errors = errors_field(error_type("AccountRegisterError", AccountErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: AccountRegisterInput) -> Self:
        started = registration.start_registration(
            password=input.password,
            phone=input.phone,
            email=input.email,
            name=input.name or "",
            network=client_network(info.context),
        )
        return cls(sent_to=started.sent_to, login=started.login, user=None, errors=[])


class AccountRegisterConfirm(DomainMutation):
    """Finish registering with the code that was sent; returns the account, signed in."""

    class Arguments:
        login = graphene.String(required=True, description="`login` from accountRegister.")
        code = graphene.String(required=True, description="The 6-digit code.")

    user = graphene.Field(User)
    token = graphene.String(description="Access token: send as `Authorization: Bearer …`.")
    refresh_token = graphene.String()
    errors = errors_field(error_type("AccountRegisterConfirmError", AccountErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, login: str, code: str) -> Self:
        user = registration.confirm_registration(
            login=login, code=code, network=client_network(info.context)
        )
        access, refresh = services.tokens_for(user)
        return cls(user=user, token=access, refresh_token=refresh, errors=[])


class TokenCreate(DomainMutation):
    """Sign in with a mobile number or an email; returns an access and a refresh token."""

    class Arguments:
        login = graphene.String(required=True, description="Mobile number or email.")
        password = graphene.String(required=True)

    token = graphene.String(description="Access token: send as `Authorization: Bearer …`.")
    refresh_token = graphene.String()
    user = graphene.Field(User)
    errors = errors_field(error_type("TokenCreateError", AccountErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, login: str, password: str) -> Self:
        user, access, refresh = services.create_tokens(
            login=login, password=password, request=info.context
        )
        return cls(token=access, refresh_token=refresh, user=user, errors=[])


class TokenRefresh(DomainMutation):
    class Arguments:
        refresh_token = graphene.String(required=True)

    token = graphene.String()
    user = graphene.Field(User)
    errors = errors_field(error_type("TokenRefreshError", AccountErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, refresh_token: str) -> Self:
        user, access = services.refresh_access_token(refresh_token=refresh_token)
        return cls(token=access, user=user, errors=[])


class TokensRevoke(DomainMutation):
    """Sign out of every API client: no access or refresh token issued to the
    signed-in user so far works any more (sign in again for new ones)."""

    errors = errors_field(error_type("TokensRevokeError", AccountErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo) -> Self:
        services.revoke_tokens(actor=info.context.user)
        return cls(errors=[])


class AccountQueries(graphene.ObjectType):
    me = graphene.Field(User, description="The signed-in user, or null.")

    @staticmethod
    def resolve_me(root: Any, info: graphene.ResolveInfo) -> models.User | None:
        user = info.context.user
        return user if user.is_authenticated else None


class AccountMutations(graphene.ObjectType):
    account_register = AccountRegister.Field()
    account_register_confirm = AccountRegisterConfirm.Field()
    token_create = TokenCreate.Field()
    token_refresh = TokenRefresh.Field()
    tokens_revoke = TokensRevoke.Field()
