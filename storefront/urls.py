from django.contrib.auth import views as auth_views
from django.urls import path

from storefront import views
from storefront.forms import LoginForm

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, next_page="storefront:home"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="storefront:home"), name="logout"),
]
