"""Building blocks shared by every app's GraphQL schema."""

import re
from collections.abc import Callable, Iterable
from decimal import Decimal as DecimalNumber
from decimal import InvalidOperation
from enum import Enum as PythonEnum
from typing import Any, TypeVar, cast
from uuid import UUID as PythonUUID

import graphene
from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from graphene import relay
from graphene.types.unmountedtype import UnmountedType
from graphene.utils.str_converters import to_camel_case
from graphene_django import DjangoObjectType
from graphql import GraphQLError, IntValueNode, StringValueNode, Undefined, ValueNode
from graphql_relay import from_global_id

from shop.core.api import public_cache
from shop.core.errors import DomainError, RequestError
from shop.core.errors import RequestErrorCode as Code
from shop.core.money import CURRENCY


def error_codes(name: str, *code_enums: Any) -> Any:
    """The GraphQL enum of the codes a mutation can report: those of every
    service it calls.

    One app's GraphQL enum is used as it is. To report another app's codes
    too (checkout reporting stock's), give the apps' Python enums: they are
    merged into one enum called `name`, where a name shared by two enums must
    mean the same code.
    """
    if len(code_enums) == 1 and issubclass(code_enums[0], graphene.Enum):
        return code_enums[0]
    members: dict[str, Any] = {}
    for enum in code_enums:
        for member in enum._meta.enum if issubclass(enum, graphene.Enum) else enum:
            if members.setdefault(member.name, member.value) != member.value:
                raise TypeError(f"{name}: {member.name} means two different codes")
    return graphene.Enum.from_enum(PythonEnum(name, members))


def error_type(name: str, *code_enums: Any) -> Any:
    """A payload error type: which input is at fault, a message and a code.

    `code_enums` are the GraphQL or Python enums of the services the
    mutation calls (see `error_codes`).
    """
    codes = error_codes(f"{name}Code", *code_enums)
    return type(
        name,
        (graphene.ObjectType,),
        {
            "__doc__": f"An error returned by the {name.removesuffix('Error')} mutation.",
            "field": graphene.String(description="The input field at fault, or null."),
            "message": graphene.String(required=True),
            "code": graphene.Field(codes, required=True),
            "code_enum": codes._meta.enum,
        },
    )


class DomainMutation(graphene.Mutation):
    """Runs `perform`; a DomainError becomes the payload's `errors` list.

    Subclasses declare `errors = errors_field(SomeError)` and implement
    `perform(cls, root, info, **arguments)` returning the payload. The
    services' snake_case field names become the API's camelCase here, and
    each code becomes the member of the same name in the mutation's enum (a
    code the mutation does not declare is a bug, and fails loudly).
    """

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Any:
        try:
            return cls.perform(root, info, **arguments)
        except DomainError as error:
            codes = cls._meta.fields["errors"].type.of_type.of_type.of_type.code_enum
            return cls(
                errors=[
                    {
                        "field": to_camel_case(e.field) if e.field else None,
                        "message": str(e.message),
                        "code": codes[e.code.name],
                    }
                    for e in error.errors
                ]
            )


def errors_field(error_cls: Any) -> Any:
    return graphene.List(graphene.NonNull(error_cls), required=True)


def extend_type(graphene_type: Any, fields_mixin: type) -> None:
    """Add the fields (and their `resolve_*`) of a plain class to a type defined in
    a lower app, so that the root schema, not that app, joins the two apps."""
    for name, value in vars(fields_mixin).items():
        if isinstance(value, UnmountedType):
            graphene_type._meta.fields[name] = value.mount_as(graphene.Field)
        elif isinstance(value, graphene.Field):
            graphene_type._meta.fields[name] = value
        elif name.startswith("resolve_"):
            setattr(graphene_type, name, value)


class VisibleNode(DjangoObjectType):
    """A Relay node whose `node(id)` finds only what the viewer may see.

    Subclasses set `visible_to` to their model's visibility selector (the
    same one lists and pages use) and `cache_tags` to the public-cache tags
    of a found object, or of a miss (None) that a later write may fill.
    """

    class Meta:
        abstract = True

    @staticmethod
    def visible_to(actor: Any) -> QuerySet[Any]:
        raise NotImplementedError

    @staticmethod
    def cache_tags(found: Any) -> Iterable[str]:
        raise NotImplementedError

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Any], info: graphene.ResolveInfo) -> QuerySet[Any]:
        return queryset.all() & cls.visible_to(info.context.user)

    @classmethod
    def get_node(cls, info: graphene.ResolveInfo, id: str) -> Any:
        found = super().get_node(info, id)
        public_cache.tag(info.context, *cls.cache_tags(found))
        return found


DECIMAL_MAX_DIGITS = 30


class Decimal(graphene.Scalar):
    """A decimal number written as a string, e.g. "88.00": finite, at most 30 digits."""

    @staticmethod
    def serialize(value: Any) -> str:
        return format(DecimalNumber(value), "f")

    @classmethod
    def parse_literal(cls, node: ValueNode, _variables: Any = None) -> Any:
        if isinstance(node, StringValueNode | IntValueNode):
            return cls.parse_value(node.value)
        return Undefined

    @staticmethod
    def parse_value(value: Any) -> Any:
        """Refuse NaN, infinities and numbers no column could hold, as a validation error."""
        if isinstance(value, float):
            value = repr(value)
        if not isinstance(value, str | int) or isinstance(value, bool):
            return Undefined
        try:
            number = DecimalNumber(value)
        except (InvalidOperation, ValueError):
            return Undefined
        if not number.is_finite():
            raise GraphQLError("A decimal number must be finite.")
        digits = number.as_tuple()
        exponent = cast(int, digits.exponent)  # a number's, not "n" or "F": it is finite
        if abs(exponent) > DECIMAL_MAX_DIGITS or len(digits.digits) > DECIMAL_MAX_DIGITS:
            raise GraphQLError(f"A decimal number has at most {DECIMAL_MAX_DIGITS} digits.")
        return number


class UUID(graphene.Scalar):
    """A UUID written as a string, e.g. "6f1c1b9e-2a4c-4f43-9d6a-0c7b3e9b8a11": an
    unguessable token (a cart's, an order's link). Anything else is a validation error."""

    @staticmethod
    def serialize(value: Any) -> str:
        return str(value)

    @classmethod
    def parse_literal(cls, node: ValueNode, _variables: Any = None) -> Any:
        if isinstance(node, StringValueNode):
            return cls.parse_value(node.value)
        return Undefined

    @staticmethod
    def parse_value(value: Any) -> Any:
        if not isinstance(value, str) or len(value) > UUID_MAX_LENGTH:
            return Undefined
        try:
            return PythonUUID(value)
        except ValueError:
            return Undefined


# The longest spelling Python reads: "urn:uuid:" and 32 digits with braces and dashes.
UUID_MAX_LENGTH = 47


class Money(graphene.ObjectType):
    amount = Decimal(required=True)
    currency = graphene.String(required=True)


class MoneyRange(graphene.ObjectType):
    start = graphene.Field(Money, required=True)
    stop = graphene.Field(Money, required=True)


def money(amount: DecimalNumber) -> Money:
    return Money(amount=amount, currency=CURRENCY)


class Upload(graphene.Scalar):
    """A file sent with the GraphQL multipart request specification."""

    @staticmethod
    def serialize(value: Any) -> None:
        return None

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> Any:
        raise GraphQLError("Files can only be sent as multipart variables.")

    @staticmethod
    def parse_value(value: Any) -> Any:
        return value


# A primary key as this API writes it: ASCII digits only (Python's int() would
# also read "١" or "²"), and few enough to fit a 64-bit column.
PRIMARY_KEY_RE = re.compile(r"[0-9]{1,18}")


def decode_global_id(global_id: Any) -> tuple[str, int] | None:
    """(type name, primary key) of a Relay ID, or None when it is malformed."""
    try:
        kind, pk = from_global_id(global_id)
    except (TypeError, ValueError):
        return None
    if not kind or not PRIMARY_KEY_RE.fullmatch(pk):
        return None
    return kind, int(pk)


def pk_from_global_id(global_id: Any, type_name: str) -> int:
    """The primary key in a Relay ID of the given type, or a coded error."""
    decoded = decode_global_id(global_id)
    if decoded is None:
        raise RequestError(Code.INVALID_ID, _("This is not a valid ID."))
    kind, pk = decoded
    if kind != type_name:
        raise RequestError(Code.INVALID_ID, _("This ID does not belong to a %s.") % type_name)
    return pk


M = TypeVar("M", bound=Model)


def node_from_global_id(
    global_id: Any, type_name: str, model: type[M], queryset: QuerySet[M] | None = None
) -> M:
    """Resolve a Relay ID of the given type, or raise a coded error."""
    pk = pk_from_global_id(global_id, type_name)
    found = (queryset if queryset is not None else model._default_manager).filter(pk=pk).first()
    if found is None:
        raise RequestError(Code.NOT_FOUND, _("No %s has this ID.") % type_name)
    return found


def page_size(first: int | None) -> int:
    if first is None:
        raise RequestError(Code.INVALID_ARGUMENT, _("Give `first`: how many items to return."))
    if first < 0 or first > settings.GRAPHQL_PAGE_SIZE_MAX:
        raise RequestError(
            Code.INVALID_ARGUMENT,
            _("`first` must be between 0 and %d.") % settings.GRAPHQL_PAGE_SIZE_MAX,
        )
    return first


class NodeField(relay.node.NodeField):
    """`node(id)` whose malformed IDs raise INVALID_ID instead of a bare exception."""

    def wrap_resolve(self, parent_resolver: Any) -> Callable[..., Any]:
        resolve = super().wrap_resolve(parent_resolver)

        def resolver(root: Any, info: graphene.ResolveInfo, id: Any) -> Any:
            decoded = decode_global_id(id)
            found = info.schema.get_type(decoded[0]) if decoded else None
            graphene_type = getattr(found, "graphene_type", None)
            meta = getattr(graphene_type, "_meta", None)
            if relay.Node not in getattr(meta, "interfaces", ()):
                raise RequestError(Code.INVALID_ID, _("This is not a valid ID."))
            return resolve(root, info, id=id)

        return resolver
