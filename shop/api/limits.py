"""Validation rules that refuse queries too deep or too costly to run.

Cost: every field costs 1, and what is selected below a paginated field
counts `first` times (the maximum page size when `first` is a variable).
"""

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    ValidationRule,
)


def _fields(selection_set, fragments, seen=frozenset()):
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                yield from _fields(fragments[name].selection_set, fragments, seen | {name})


def _multiplier(field):
    for argument in field.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return max(int(argument.value.value), 1)
            return settings.GRAPHQL_PAGE_SIZE_MAX
    return 1


def depth(selection_set, fragments):
    children = [f for f in _fields(selection_set, fragments) if not f.name.value.startswith("__")]
    return (
        1 + max((depth(f.selection_set, fragments) for f in children if f.selection_set), default=0)
        if children
        else 0
    )


def cost(selection_set, fragments):
    total = 0
    for field in _fields(selection_set, fragments):
        total += 1 + _multiplier(field) * cost(field.selection_set, fragments)
    return total


class QueryLimitsRule(ValidationRule):
    def enter_document(self, document, *_):
        fragments = {
            d.name.value: d
            for d in document.definitions
            if not isinstance(d, OperationDefinitionNode)
        }
        for operation in document.definitions:
            if not isinstance(operation, OperationDefinitionNode):
                continue
            found_depth = depth(operation.selection_set, fragments)
            if found_depth > settings.GRAPHQL_MAX_DEPTH:
                self.report_error(
                    GraphQLError(
                        f"The query is {found_depth} levels deep; the limit is "
                        f"{settings.GRAPHQL_MAX_DEPTH}.",
                        operation,
                        extensions={"code": "QUERY_TOO_DEEP"},
                    )
                )
            found_cost = cost(operation.selection_set, fragments)
            if found_cost > settings.GRAPHQL_MAX_COST:
                self.report_error(
                    GraphQLError(
                        f"The query would cost {found_cost}; the limit is {settings.GRAPHQL_MAX_COST}.",
                        operation,
                        extensions={"code": "QUERY_TOO_COMPLEX"},
                    )
                )
