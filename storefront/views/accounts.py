"""Signing in, registering and signing out."""

from django.contrib.auth import views as auth_views
from django.urls import path

from storefront.forms.accounts import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, next_page="storefront:home"),
        name="login",
    ),
    path("register/", auth_views.LoginView.as_view(), name="register"),
    path("logout/", auth_views.LogoutView.as_view(next_page="storefront:home"), name="logout"),
]
