"""Signing in, registering and signing out."""

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from catalog.demo import data as demo
from shop.accounts.registration import confirm_registration, start_registration
from shop.core.errors import DomainError
from shop.core.throttling import client_network
from storefront.cart import anonymous_cart_token, merge_after_sign_in
from storefront.forms.accounts import LoginForm, RegisterConfirmForm, RegisterForm


def _safe_next(request: HttpRequest) -> str | None:
    """The `next` address when it stays on this site, else None."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and "\x00" not in target else None


def demo_logins() -> dict[str, Any]:
    """The demo's published logins (catalog/demo/data.py), to show while DEBUG is on."""
    sellers = [(s["member"]["phone"], s["member"]["name"]) for s in demo.SELLERS]
    return {
        "operator": demo.OPERATOR["email"],
        "operator_password": demo.OPERATOR_PASSWORD,
        "sellers": sellers,
        "seller_password": demo.SELLER_PASSWORD,
    }


class SignInView(auth_views.LoginView):
    """Signing in; a cart chosen before joins the buyer's own."""

    authentication_form = LoginForm
    next_page = "storefront:home"

    def form_valid(self, form: Any) -> HttpResponse:
        token = anonymous_cart_token(self.request)
        response = super().form_valid(form)
        merge_after_sign_in(self.request, form.get_user(), token)
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if settings.DEBUG:
            context["demo_logins"] = demo_logins()
        return context


REGISTERING = "registering"  # the session's login being registered, and where the code went


@sensitive_post_parameters("password", "password_again")
@csrf_protect
@never_cache
def register(request: HttpRequest) -> HttpResponse:
    """Start a customer account: a code goes to the phone (or email), then the
    confirm page. Nothing here tells whether the number already had an account."""
    target = _safe_next(request)
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = start_registration(
                password=data["password"],
                phone=data["phone"],
                email=data["email"],
                name=data["name"],
                network=client_network(request),
            )
        except DomainError as exc:
            form.show_domain_error(exc)
        else:
            request.session[REGISTERING] = [started.login, started.sent_to, target or ""]
            return redirect("storefront:register-confirm")
    return render(request, "registration/register.html", {"form": form, "next": target or ""})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def register_confirm(request: HttpRequest) -> HttpResponse:
    """The code sent: the account is created and signed in at once; then back to
    where they came from."""
    registering = request.session.get(REGISTERING)
    if not registering:
        return redirect("storefront:register")
    login_value, sent_to, target = registering
    form = RegisterConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = confirm_registration(
                login=login_value, code=form.cleaned_data["code"], network=client_network(request)
            )
        except DomainError as exc:
            form.show_domain_error(exc)
        else:
            token = anonymous_cart_token(request)
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            merge_after_sign_in(request, user, token)
            return redirect(target or reverse("storefront:home"))
    context = {"form": form, "sent_to": sent_to}
    return render(request, "registration/register_confirm.html", context)


urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("register/", register, name="register"),
    path("register/confirm/", register_confirm, name="register-confirm"),
    path("logout/", auth_views.LogoutView.as_view(next_page="storefront:home"), name="logout"),
]
