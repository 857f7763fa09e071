"""Parsing and validating query texts, with a bounded cache of the good ones.

The cheap checks run first: the text's length before parsing, the number of
tokens while parsing, then the limits of shop.core.api.limits (linear in the
document), and only then graphql-core's validation rules, some of which cost
more than linear time on hostile documents.

Only documents that validated are cached: a client cannot fill the cache
with invalid texts. The cache is bounded by the number of documents and by
the total length of their texts (a parsed document takes roughly a hundred
times its text's length in memory).
"""

import threading
from collections import OrderedDict

from django.conf import settings
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    StringValueNode,
    Visitor,
    VisitorAction,
    parse,
    specified_rules,
    validate,
    visit,
)

from shop.core.api.limits import check_document
from shop.core.api.requests import is_unstorable, unstorable_text_error
from shop.core.errors import RequestErrorCode as Code

DOCUMENT_CACHE_SIZE = 512
DOCUMENT_CACHE_MAX_CHARS = 500_000
MAX_COMMENTS = 1_000


class DocumentCache:
    """A least-recently-used map of query text to document, bounded in count and text size."""

    def __init__(self, max_entries: int, max_chars: int) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[tuple[GraphQLSchema, str], DocumentNode] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, schema: GraphQLSchema, query: str) -> DocumentNode | None:
        with self._lock:
            document = self._entries.get((schema, query))
            if document is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end((schema, query))
            return document

    def put(self, schema: GraphQLSchema, query: str, document: DocumentNode) -> None:
        if len(query) > self.max_chars:
            return
        with self._lock:
            if (schema, query) in self._entries:
                return
            self._entries[schema, query] = document
            self._chars += len(query)
            while len(self._entries) > self.max_entries or self._chars > self.max_chars:
                (_schema, evicted), _document = self._entries.popitem(last=False)
                self._chars -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        return self._chars


cache = DocumentCache(DOCUMENT_CACHE_SIZE, DOCUMENT_CACHE_MAX_CHARS)


def _coded_syntax_error(error: GraphQLError) -> GraphQLError:
    """graphql-core tells its parser's limits apart only by their messages."""
    if "Document contains more than" in error.message:
        error.extensions = {"code": Code.QUERY_TOO_LARGE}
    elif "Document is nested too deeply" in error.message:
        error.extensions = {"code": Code.QUERY_TOO_DEEP}
    return error


class _UnstorableTextFinder(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: object) -> VisitorAction:
        if is_unstorable(node.value):
            self.found = True
            return self.BREAK
        return None


def _unstorable_literals(document: DocumentNode) -> list[GraphQLError]:
    finder = _UnstorableTextFinder()
    visit(document, finder)
    return [unstorable_text_error()] if finder.found else []


def _error(message: str, code: Code) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def parse_and_validate(
    schema: GraphQLSchema, query: str
) -> tuple[DocumentNode | None, list[GraphQLError]]:
    """(document, []) for a good query text, else (None or the document, [errors])."""
    document = cache.get(schema, query)
    if document is not None:
        return document, []
    if len(query) > settings.GRAPHQL_MAX_QUERY_LENGTH:
        return None, [
            _error(
                f"The query text is longer than {settings.GRAPHQL_MAX_QUERY_LENGTH} characters.",
                Code.QUERY_TOO_LARGE,
            )
        ]
    try:
        document = parse(
            query, max_lexical_tokens=settings.GRAPHQL_MAX_TOKENS, max_comments=MAX_COMMENTS
        )
    except GraphQLError as error:
        return None, [_coded_syntax_error(error)]
    errors = (
        _unstorable_literals(document)
        or check_document(schema, document)
        or validate(schema, document, specified_rules)
    )
    if not errors:
        cache.put(schema, query, document)
    return document, errors
