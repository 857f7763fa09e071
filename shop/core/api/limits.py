"""Limits that refuse a parsed document before graphql-core validates or runs it.

Checked in this order, stopping at the first limit passed: fragment cycles,
root fields (aliases included), fields in any one selection (graphql-core's
check that fields can merge takes time quadratic in it), mutations and fields
allowed once per request (signing in hashes a password), depth, introspection
nesting, cost.

Every fragment is measured once, after the fragments it spreads, so the time
is linear in the document's size however often a fragment is spread; the
figures saturate just above their limit, so they stay small numbers.

Cost: each field costs its weight (1, `MUTATION_COST` for a mutation, more for
fields that declare a cost, such as a connection's `totalCount`), and what is
selected below a paginated field counts `first` times (the maximum page size
when `first` is a variable).
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    Node,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    ValueNode,
    get_named_type,
)

from shop.core.errors import RequestErrorCode as Code

MUTATION_COST = 10
COUNT_COST = 20
# Introspection lists (types > fields > args) nest at most this deep; the
# standard introspection query needs 3, and every extra level multiplies work.
INTROSPECTION_LIST_DEPTH = 3
INTROSPECTION_LISTS = frozenset(
    {"types", "fields", "inputFields", "args", "enumValues", "interfaces", "possibleTypes"}
)


@dataclass
class Measure:
    """What a selection set asks for, fragments expanded."""

    depth: int = 0
    cost: int = 0
    # The most fields any one selection set holds, fragments expanded.
    breadth: int = 0
    introspection_lists: int = 0
    # Fields at this level itself (the root fields, for an operation).
    fields: int = 0
    # "Type.field" -> how often it is selected at this level.
    counted: Counter[str] = field(default_factory=Counter)


def declare_costs(
    schema: GraphQLSchema,
    costs: dict[str, int],
    once_per_request: Iterable[str] = (),
    argument_costs: Mapping[str, Mapping[str, int]] | None = None,
) -> None:
    """Give fields a cost (`{"Type.field": cost}`), mark those allowed once per request,
    and add a cost when an input is given (`{"Type.field": {"filter.search": cost}}`).

    Connections' `totalCount` runs a COUNT(*) and gets COUNT_COST unless given another.
    """
    for type_ in schema.type_map.values():
        fields = getattr(type_, "fields", None)
        if type_.name.startswith("__") or not isinstance(fields, dict):
            continue
        if {"edges", "pageInfo", "totalCount"} <= fields.keys():
            fields["totalCount"].extensions["cost"] = COUNT_COST
    for path, cost in costs.items():
        type_name, field_name = path.split(".")
        object_type = cast(GraphQLObjectType, schema.type_map[type_name])
        object_type.fields[field_name].extensions["cost"] = cost
    for path in once_per_request:
        type_name, field_name = path.split(".")
        object_type = cast(GraphQLObjectType, schema.type_map[type_name])
        object_type.fields[field_name].extensions["once_per_request"] = True
    for path, inputs in (argument_costs or {}).items():
        type_name, field_name = path.split(".")
        object_type = cast(GraphQLObjectType, schema.type_map[type_name])
        object_type.fields[field_name].extensions["argument_costs"] = inputs


def _may_be_given(node: FieldNode, path: str) -> bool:
    """Whether the input at `path` ("filter.search") is, or may be through a variable, set."""
    value: FieldNode | ValueNode | None = node
    for name in path.split("."):
        # `value` is `node`, then (past the checks below) an ObjectValueNode.
        fields = node.arguments if value is node else cast(ObjectValueNode, value).fields
        value = next((f.value for f in fields or () if f.name.value == name), None)
        if value is None or isinstance(value, NullValueNode):
            return False
        if not isinstance(value, ObjectValueNode):
            return True
    return True


def _error(message: str, code: Code, node: Node | None = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code})


def _spreads(selection_set: SelectionSetNode | None) -> list[str]:
    """Names of the fragments spread anywhere inside a selection set."""
    found, pending = [], [selection_set]
    while pending:
        current = pending.pop()
        for selection in current.selections if current else ():
            if isinstance(selection, FragmentSpreadNode):
                found.append(selection.name.value)
            else:
                pending.append(cast("FieldNode | InlineFragmentNode", selection).selection_set)
    return found


def _dependency_order(
    fragments: Mapping[str, FragmentDefinitionNode],
) -> tuple[list[str], None] | tuple[None, list[str]]:
    """Fragments ordered so each comes after those it spreads, or the cycle found."""
    order, state = [], {}  # state: 1 while being visited, 2 when done
    for start in fragments:
        if start in state:
            continue
        stack = [(start, iter(_spreads(fragments[start].selection_set)))]
        state[start] = 1
        while stack:
            name, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                state[name] = 2
                order.append(name)
            elif child in fragments and state.get(child) == 1:
                trail = [n for n, _ in stack]
                return None, trail[trail.index(child) :] + [child]
            elif child in fragments and child not in state:
                state[child] = 1
                stack.append((child, iter(_spreads(fragments[child].selection_set))))
    return order, None


class _Measurer:
    def __init__(self, schema: GraphQLSchema, page_size_max: int, saturation: int) -> None:
        self.schema = schema
        self.page_size_max = page_size_max
        self.saturation = saturation
        self.fragments: dict[str, Measure] = {}

    def _cap(self, value: int) -> int:
        return min(value, self.saturation)

    def _multiplier(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value == "first":
                if isinstance(argument.value, IntValueNode):
                    return min(max(int(argument.value.value), 1), self.page_size_max)
                return self.page_size_max
        return 1

    def _field_definition(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        fields = getattr(parent, "fields", None)
        return fields.get(name) if isinstance(fields, dict) else None

    def measure(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> Measure:
        total = Measure()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                part = self._field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                part = self.measure(selection.selection_set, inner)
            else:
                part = self.fragments.get(cast(FragmentSpreadNode, selection).name.value, Measure())
            total.depth = max(total.depth, part.depth)
            total.breadth = max(total.breadth, part.breadth)
            total.introspection_lists = max(total.introspection_lists, part.introspection_lists)
            total.cost = self._cap(total.cost + part.cost)
            total.fields = self._cap(total.fields + part.fields)
            for path, count in part.counted.items():
                total.counted[path] = self._cap(total.counted[path] + count)
        return total

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        name = node.name.value
        definition = self._field_definition(parent, name)
        extensions = definition.extensions if definition is not None else {}
        child_type = get_named_type(definition.type) if definition is not None else None
        children = self.measure(node.selection_set, child_type) if node.selection_set else None
        is_mutation = parent is not None and parent is self.schema.mutation_type
        weight = extensions.get("cost", MUTATION_COST if is_mutation else 1)
        for path, extra in extensions.get("argument_costs", {}).items():
            if _may_be_given(node, path):
                weight += extra
        measure = Measure(cost=weight, fields=1)
        if children is not None:
            measure.breadth = max(children.breadth, children.fields)
            measure.cost = self._cap(weight + self._multiplier(node) * children.cost)
            measure.introspection_lists = children.introspection_lists
            if not name.startswith("__"):
                measure.depth = children.depth
        if not name.startswith("__"):
            measure.depth += 1
        in_introspection = parent is not None and parent.name.startswith("__")
        if in_introspection and name in INTROSPECTION_LISTS:
            measure.introspection_lists += 1
        if extensions.get("once_per_request") and parent is not None:
            measure.counted[f"{parent.name}.{name}"] = 1
        return measure


def check_document(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
    """The first limit the document passes, as a one-error list; empty when it is fine."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    order, cycle = _dependency_order(fragments)
    if cycle is not None:
        return [
            _error(
                f"Fragment {cycle[0]} spreads itself: {' → '.join(cycle)}.",
                Code.GRAPHQL_VALIDATION_FAILED,
                fragments[cycle[0]],
            )
        ]
    max_depth, max_cost = settings.GRAPHQL_MAX_DEPTH, settings.GRAPHQL_MAX_COST
    saturation = max(max_cost, settings.GRAPHQL_MAX_SELECTIONS, max_depth) + 1
    measurer = _Measurer(schema, settings.GRAPHQL_PAGE_SIZE_MAX, saturation)
    for name in cast(list[str], order):  # a list when there is no cycle
        definition = fragments[name]
        on = schema.get_type(definition.type_condition.name.value)
        measurer.fragments[name] = measurer.measure(definition.selection_set, on)
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode):
            error = _check_operation(schema, measurer, operation)
            if error is not None:
                return [error]
    return []


def _check_operation(
    schema: GraphQLSchema, measurer: _Measurer, operation: OperationDefinitionNode
) -> GraphQLError | None:
    is_mutation = operation.operation == OperationType.MUTATION
    found = measurer.measure(operation.selection_set, schema.get_root_type(operation.operation))
    repeated = next((path for path, count in found.counted.items() if count > 1), None)
    too_complex, too_deep = Code.QUERY_TOO_COMPLEX, Code.QUERY_TOO_DEEP
    checks = (
        (
            found.fields > settings.GRAPHQL_MAX_ROOT_FIELDS,
            f"The operation selects more than {settings.GRAPHQL_MAX_ROOT_FIELDS} root fields "
            "(aliases included).",
            too_complex,
        ),
        (
            found.breadth > settings.GRAPHQL_MAX_SELECTIONS,
            f"A selection holds more than {settings.GRAPHQL_MAX_SELECTIONS} fields "
            "(aliases and fragments included).",
            too_complex,
        ),
        (
            is_mutation and found.fields > settings.GRAPHQL_MAX_MUTATIONS,
            f"A request runs at most {settings.GRAPHQL_MAX_MUTATIONS} mutations.",
            too_complex,
        ),
        (
            repeated is not None,
            f"{(repeated or '.').split('.')[1]} may be used once per request.",
            too_complex,
        ),
        (
            found.depth > settings.GRAPHQL_MAX_DEPTH,
            f"The query is {_figure(found.depth, measurer)} levels deep; the limit is "
            f"{settings.GRAPHQL_MAX_DEPTH}.",
            too_deep,
        ),
        (
            found.introspection_lists > INTROSPECTION_LIST_DEPTH,
            f"Introspection lists nest at most {INTROSPECTION_LIST_DEPTH} deep.",
            too_deep,
        ),
        (
            found.cost > settings.GRAPHQL_MAX_COST,
            f"The query would cost {_figure(found.cost, measurer)}; the limit is "
            f"{settings.GRAPHQL_MAX_COST}.",
            too_complex,
        ),
    )
    for exceeded, message, code in checks:
        if exceeded:
            return _error(message, code, operation)
    return None


def _figure(value: int, measurer: _Measurer) -> str:
    return f"more than {measurer.saturation - 1}" if value >= measurer.saturation else str(value)
