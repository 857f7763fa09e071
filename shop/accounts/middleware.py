from django.utils.functional import SimpleLazyObject

from shop.accounts.tokens import ACCESS, user_from_token

PREFIX = "Bearer "


class BearerTokenMiddleware:
    """Authenticate API clients by `Authorization: Bearer <access token>`.

    A request carrying a bearer token is not cookie-authenticated, so it is
    also exempt from the CSRF check (see shop.graphql_view).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        request.bearer_token = None
        if header.startswith(PREFIX):
            token = header[len(PREFIX) :].strip()
            request.bearer_token = token
            request.user = SimpleLazyObject(lambda: _user_or_anonymous(token))
        return self.get_response(request)


def _user_or_anonymous(token):
    from django.contrib.auth.models import AnonymousUser

    return user_from_token(token, ACCESS) or AnonymousUser()
