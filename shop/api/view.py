"""The /graphql/ endpoint.

On top of graphene-django's view it adds: a bounded cache of parsed and
validated documents, depth and cost limits, the GraphQL multipart upload
protocol, the public response cache, CSRF checks only for cookie-authenticated
requests (the URL itself is csrf_exempt), and errors that never leak an
exception's text.
"""

import json
import logging
from functools import lru_cache

from django.http import HttpResponseBadRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLSyntaxError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)

from shop.api import public_cache
from shop.api.limits import QueryLimitsRule

logger = logging.getLogger("shop.graphql")

DOCUMENT_CACHE_SIZE = 512
# Longer query texts are parsed every time, so the cache's memory stays bounded.
CACHED_QUERY_MAX_LENGTH = 20_000
VALIDATION_RULES = (*specified_rules, QueryLimitsRule)
INTERNAL_MESSAGE = "Internal server error."


def _parse_and_validate(schema, query):
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, [error]
    return document, validate(schema, document, VALIDATION_RULES)


_cached_parse_and_validate = lru_cache(maxsize=DOCUMENT_CACHE_SIZE)(_parse_and_validate)


def _parsed(schema, query):
    """The document and its validation errors, worked out once per distinct query text."""
    if len(query) > CACHED_QUERY_MAX_LENGTH:
        return _parse_and_validate(schema, query)
    return _cached_parse_and_validate(schema, query)


def _never_awaitable(value):
    """Every resolver here is synchronous: spare graphql-core checking each value."""
    return False


@csrf_exempt
def _noop(request):
    return None


class ShopGraphQLView(GraphQLView):
    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and self._cookie_authenticated(request):
            rejected = CsrfViewMiddleware(_noop).process_view(request, None, (), {})
            if rejected is not None:
                return rejected
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def _cookie_authenticated(request):
        return not getattr(request, "bearer_token", None) and request.user.is_authenticated

    def get_response(self, request, data, show_graphiql=False):
        """Serve anonymous queries from the public response cache when possible."""
        key = self._public_cache_key(request, data, show_graphiql)
        if key is not None:
            cached = public_cache.get(key)
            if cached is not None:
                return cached, 200
        body, status = super().get_response(request, data, show_graphiql)
        if key is not None and status == 200 and not getattr(request, "graphql_errors", True):
            public_cache.put(key, body)
        return body, status

    def _public_cache_key(self, request, data, show_graphiql):
        if (
            show_graphiql
            or request.GET.get("pretty")
            or getattr(request, "bearer_token", None)
            or request.user.is_authenticated
        ):
            return None
        query, variables, operation_name, _id = self.get_graphql_params(request, data)
        if not query or request.content_type == "multipart/form-data":
            return None
        document, errors = _parsed(self.schema.graphql_schema, query)
        operation = None if errors else get_operation_ast(document, operation_name)
        if operation is None or operation.operation != OperationType.QUERY:
            return None
        return public_cache.cache_key(query, variables, operation_name, request.LANGUAGE_CODE)

    def parse_body(self, request):
        if self.get_content_type(request) == "multipart/form-data" and "operations" in request.POST:
            return self._multipart_operations(request)
        return super().parse_body(request)

    @staticmethod
    def _multipart_operations(request):
        """Put uploaded files where the `map` field says (GraphQL multipart request spec)."""
        try:
            operations = json.loads(request.POST["operations"])
            file_map = json.loads(request.POST.get("map", "{}"))
            for key, paths in file_map.items():
                for path in paths:
                    target, *steps, last = path.split(".")
                    node = operations
                    for step in [target, *steps]:
                        node = node[int(step) if isinstance(node, list) else step]
                    node[int(last) if isinstance(node, list) else last] = request.FILES.get(key)
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise HttpError(HttpResponseBadRequest("Malformed multipart GraphQL request.")) from exc
        return operations

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        document, errors = _parsed(self.schema.graphql_schema, query)
        if errors:
            return ExecutionResult(data=None, errors=errors)
        operation = get_operation_ast(document, operation_name)
        if request.method == "GET" and operation and operation.operation != OperationType.QUERY:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Only queries can be sent with GET."))
        result = execute(
            self.schema.graphql_schema,
            document,
            root_value=self.get_root_value(request),
            context_value=request,
            variable_values=variables,
            operation_name=operation_name,
            middleware=self.get_middleware(request),
            is_awaitable=_never_awaitable,
        )
        request.graphql_errors = bool(result.errors)
        return result

    @staticmethod
    def format_error(error):
        original = getattr(error, "original_error", None)
        if isinstance(error, GraphQLError) and (
            original is None or isinstance(original, GraphQLError)
        ):
            formatted = error.formatted
            source = original if original is not None else error
            syntax = isinstance(error, GraphQLSyntaxError)
            default = "GRAPHQL_PARSE_FAILED" if syntax else "GRAPHQL_VALIDATION_FAILED"
            formatted["extensions"] = {"code": default, **(source.extensions or {})}
            return formatted
        if isinstance(error, HttpError):
            return {"message": str(error.message), "extensions": {"code": "BAD_REQUEST"}}
        logger.error(
            "Unhandled error in a GraphQL resolver",
            exc_info=(type(original), original, original.__traceback__) if original else error,
        )
        formatted = {"message": INTERNAL_MESSAGE, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        if isinstance(error, GraphQLError):
            formatted["locations"] = error.formatted.get("locations")
            formatted["path"] = error.path
        return formatted
