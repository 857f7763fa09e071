"""The GraphQL API as a client sees it."""

import json

from django.test import Client

from shop.accounts.tokens import create_access_token
from tests.helpers import permission_matrix


class GraphQLClient:
    """Posts GraphQL requests to /graphql/ as a real HTTP client would.

    Each request's mutations are recorded with `role` (anonymous without a user)
    for the permission matrix (tests/helpers/permission_matrix.py).
    """

    def __init__(self, user=None, role=None):
        self.role = "anonymous" if user is None else role
        self.client = Client(HTTP_HOST="127.0.0.1")
        self.headers = {}
        if user is not None:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {create_access_token(user)}"

    def post(self, query, variables=None):
        permission_matrix.record(self.role, query, variables)
        response = self.client.post(
            "/graphql/",
            json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **self.headers,
        )
        return response.status_code, response.json()

    def execute(self, query, variables=None):
        """Return `data`, failing the test on any top-level error."""
        status, body = self.post(query, variables)
        assert "errors" not in body, body
        assert status == 200
        return body["data"]

    def error_code(self, query, variables=None):
        """The `extensions.code` of the first top-level error."""
        _status, body = self.post(query, variables)
        assert body.get("errors"), body
        return body["errors"][0]["extensions"]["code"]

    def upload(self, query, variables, files):
        """A GraphQL multipart request: `files` maps variable paths to file objects."""
        permission_matrix.record(self.role, query, variables)
        file_map = {str(i): [path] for i, path in enumerate(files)}
        data = {
            "operations": json.dumps({"query": query, "variables": variables}),
            "map": json.dumps(file_map),
        }
        for i, upload in enumerate(files.values()):
            data[str(i)] = upload
        response = self.client.post("/graphql/", data, **self.headers)
        return response.status_code, response.json()
