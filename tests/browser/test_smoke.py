"""The pages every visitor starts from: home, the language switch, signing in."""

from playwright.sync_api import expect

from tests.helpers.browser import zh
from tests.helpers.users import PASSWORD


def test_home_switch_language_and_sign_in(visitor, product, customer):
    page = visitor.open("/")
    expect(page.get_by_text("武功山紫米", exact=True)).to_be_visible()
    visitor.step("home")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_text("Wugong purple rice", exact=True)).to_be_visible()
    visitor.step("home in English", lang="en")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_text("武功山紫米", exact=True)).to_be_visible()
    visitor.step("home in Chinese again")

    page.get_by_role("link", name=zh("Sign in")).click()
    page.get_by_label(zh("Mobile phone or email")).fill("138 0013 8001")
    page.get_by_label(zh("Password")).fill(PASSWORD)
    page.get_by_role("button", name=zh("Sign in")).click()
    expect(page.get_by_text(customer.name, exact=True)).to_be_visible()
    visitor.step("signed in")
