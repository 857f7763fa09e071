"""The /graphql/ endpoint.

On top of graphene-django's view it adds: a bounded cache of parsed and
validated documents, depth and cost limits, the GraphQL multipart upload
protocol, the public response cache, CSRF checks only for cookie-authenticated
requests (the URL itself is csrf_exempt), and errors that never leak an
exception's text.
"""

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSyntaxError,
    OperationType,
    execute,
    get_operation_ast,
)

from shop.core.api import public_cache
from shop.core.api.documents import parse_and_validate
from shop.core.api.requests import (
    RequestRefused,
    check_graphql_params,
    decoded_body,
    has_unstorable_text,
    parse_json_body,
    read_json,
    unstorable_text_error,
)
from shop.core.api.uploads import check_upload_allowed, check_upload_complete
from shop.core.errors import NotAllowed
from shop.core.errors import RequestErrorCode as Code

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "Internal server error."

if TYPE_CHECKING:

    class _GraphQLRequest(HttpRequest):
        """A request as the middleware and this view leave it."""

        bearer_token: str | None
        LANGUAGE_CODE: str
        graphql_parsed: tuple[str, DocumentNode | None, list[GraphQLError]]
        graphql_errors: bool


def _never_awaitable(value: object) -> bool:
    """Every resolver here is synchronous: spare graphql-core checking each value."""
    return False


@csrf_exempt
def _noop(request: HttpRequest) -> None:
    return None


class ShopGraphQLView(GraphQLView):
    def dispatch(self, request: "_GraphQLRequest", *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and self._cookie_authenticated(request):
            # process_view never calls get_response, and only looks for `csrf_exempt`
            # on the callback: neither has to be a real view here.
            middleware = CsrfViewMiddleware(
                cast("Callable[[HttpRequest], HttpResponseBase]", _noop)
            )
            callback = cast("Callable[..., HttpResponseBase]", None)
            rejected = middleware.process_view(request, callback, (), {})
            if rejected is not None:
                return rejected
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def _cookie_authenticated(request: "_GraphQLRequest") -> bool:
        return not getattr(request, "bearer_token", None) and request.user.is_authenticated

    def render_graphiql(self, request: HttpRequest, **data: Any) -> HttpResponse:
        """GraphiQL from this server's static files, its settings as JSON data
        (shop/templates/graphene/graphiql.html): nothing inline, nothing from a CDN."""
        settings_ = {
            "graphiqlHeaderEditorEnabled": data["graphiql_header_editor_enabled"],
            "graphiqlShouldPersistHeaders": data["graphiql_should_persist_headers"],
            "graphiqlInputValueDeprecation": data["graphiql_input_value_deprecation"],
        }
        if data.get("subscription_path"):
            settings_["subscriptionPath"] = data["subscription_path"]
        return super().render_graphiql(request, graphene_settings=settings_)

    def get_response(
        self, request: "_GraphQLRequest", data: dict[str, Any], show_graphiql: bool = False
    ) -> tuple[str | None, int]:
        """Serve anonymous queries from the public response cache when possible."""
        key = self._public_cache_key(request, data, show_graphiql)
        if key is not None:
            cached = public_cache.get(key)
            if cached is not None:
                return cached, 200
            public_cache.start(request)
        body, status = super().get_response(request, data, show_graphiql)
        if key is not None and status == 200 and not getattr(request, "graphql_errors", True):
            public_cache.put(key, request, body)
        return body, status

    def _public_cache_key(
        self, request: "_GraphQLRequest", data: dict[str, Any], show_graphiql: bool
    ) -> str | None:
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
        document, errors = self._parsed(request, query)
        # No errors means parse_and_validate gave a document.
        operation = (
            None if errors else get_operation_ast(cast(DocumentNode, document), operation_name)
        )
        if operation is None or operation.operation != OperationType.QUERY:
            return None
        # Variables the operation does not declare change nothing: they make no new entry.
        declared = {each.variable.name.value for each in operation.variable_definitions or ()}
        used = {name: value for name, value in (variables or {}).items() if name in declared}
        return public_cache.cache_key(query, used, operation_name, request.LANGUAGE_CODE)

    def _parsed(
        self, request: "_GraphQLRequest", query: str
    ) -> tuple[DocumentNode | None, list[GraphQLError]]:
        """parse_and_validate, once per request: a refused document is not cached,
        and both the public cache and the execution need it."""
        memo = getattr(request, "graphql_parsed", None)
        if memo is None or memo[0] != query:
            memo = (query, *parse_and_validate(self.schema.graphql_schema, query))
            request.graphql_parsed = memo
        return memo[1], memo[2]

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = self.get_content_type(request)
        if content_type == "application/json":
            return parse_json_body(request)
        if content_type == "application/graphql":
            return {"query": decoded_body(request)}
        if content_type == "multipart/form-data":
            check_upload_allowed(request)
            post = request.POST
            check_upload_complete(request)
            if "operations" in post:
                return self._multipart_operations(request)
        return super().parse_body(request)

    @staticmethod
    def get_graphql_params(request: HttpRequest, data: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
        params = GraphQLView.get_graphql_params(request, data)
        check_graphql_params(*params[:3])
        return params

    @staticmethod
    def _multipart_operations(request: HttpRequest) -> dict[str, Any]:
        """Put uploaded files where the `map` field says (GraphQL multipart request spec)."""
        operations = read_json(request.POST["operations"])
        file_map = read_json(request.POST.get("map", "{}"))
        if not isinstance(operations, dict) or not isinstance(file_map, dict):
            raise RequestRefused(_("`operations` and `map` must be JSON objects."))
        try:
            for key, paths in file_map.items():
                for path in paths:
                    target, *steps, last = path.split(".")
                    node = operations
                    for step in [target, *steps]:
                        node = node[int(step) if isinstance(node, list) else step]
                    node[int(last) if isinstance(node, list) else last] = request.FILES.get(key)
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise RequestRefused(_("Malformed multipart GraphQL request.")) from exc
        return operations

    def execute_graphql_request(
        self,
        request: "_GraphQLRequest",
        data: dict[str, Any],
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        if has_unstorable_text(variables):
            return ExecutionResult(data=None, errors=[unstorable_text_error()])
        document, errors = self._parsed(request, query)
        if errors:
            return ExecutionResult(data=None, errors=errors)
        # No errors means parse_and_validate gave a document.
        document = cast(DocumentNode, document)
        operation = get_operation_ast(document, operation_name)
        if request.method == "GET" and operation and operation.operation != OperationType.QUERY:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Only queries can be sent with GET."))
        # Synchronous: with _never_awaitable, execute never returns an awaitable.
        result = cast(
            ExecutionResult,
            execute(
                self.schema.graphql_schema,
                document,
                root_value=self.get_root_value(request),
                context_value=request,
                variable_values=variables,
                operation_name=operation_name,
                middleware=self.get_middleware(request),
                is_awaitable=_never_awaitable,
            ),
        )
        request.graphql_errors = bool(result.errors)
        return result

    @staticmethod
    def format_error(error: Exception) -> Mapping[str, Any]:
        original = getattr(error, "original_error", None)
        if isinstance(error, GraphQLError) and (
            original is None or isinstance(original, GraphQLError)
        ):
            formatted = error.formatted
            source = original if original is not None else error
            syntax = isinstance(error, GraphQLSyntaxError)
            default = Code.GRAPHQL_PARSE_FAILED if syntax else Code.GRAPHQL_VALIDATION_FAILED
            formatted["extensions"] = {"code": default, **(source.extensions or {})}
            return formatted
        if isinstance(original, NotAllowed):
            # Only a GraphQLError carries an original_error.
            formatted = cast(GraphQLError, error).formatted
            formatted["message"] = str(original.message)
            formatted["extensions"] = {"code": original.code}
            return formatted
        if isinstance(error, HttpError):
            code = getattr(error, "code", Code.BAD_REQUEST)
            return {"message": str(error.message), "extensions": {"code": code}}
        logger.error(
            "Unhandled error in a GraphQL resolver",
            exc_info=(type(original), original, original.__traceback__) if original else error,
        )
        internal: dict[str, Any] = {
            "message": INTERNAL_MESSAGE,
            "extensions": {"code": Code.INTERNAL_SERVER_ERROR},
        }
        if isinstance(error, GraphQLError):
            internal["locations"] = error.formatted.get("locations")
            internal["path"] = error.path
        return internal
