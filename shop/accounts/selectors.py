import unicodedata

import phonenumbers

from shop.accounts.models import User

# No valid email (RFC 5321 path limit) or phone number is longer.
MAX_LOGIN_LENGTH = 254


def parse_mainland_mobile(value: object) -> str | None:
    """Return the E.164 form of a mainland China mobile number, or None."""
    try:
        number = phonenumbers.parse(str(value), "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def canonical_email(value: str) -> str:
    """The one spelling of an email address that is stored and looked up.

    NFKC (full-width letters, ligatures and compatibility forms such as `ſ`
    become plain letters), stripped, then case-folded by way of upper case,
    so that letters whose capitals coincide are one: `ı` and `i` both fold
    to `i`, as the database's UPPER made them match before.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    return unicodedata.normalize("NFKC", text.upper().casefold())


def is_unicode_text(text: str) -> bool:
    """False for text with lone surrogates (JSON allows "\\ud800"), which no
    database column or cache key can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def normalise_login(login: object) -> str | None:
    """The one form of a login that accounts are found and sign-ins counted by.

    A mainland mobile number, however written (spaces, dashes, +86,
    full-width digits), becomes E.164; anything else is treated as an email
    (canonical_email), and matches no account unless it is one. None for an
    empty login, one longer than MAX_LOGIN_LENGTH or one that is not valid
    Unicode text, which can be neither.
    A login that is not text (a PhoneNumber) is taken as its str().
    """
    if login is None:
        return None
    text = unicodedata.normalize("NFKC", str(login)).strip()
    if not text or len(text) > MAX_LOGIN_LENGTH or not is_unicode_text(text):
        return None
    if "@" not in text:
        phone = parse_mainland_mobile(text)
        if phone is not None:
            return phone
    folded = canonical_email(text)
    return folded if len(folded) <= MAX_LOGIN_LENGTH else None


def user_for_login(normalised: str | None) -> User | None:
    """The user whose phone or email is exactly `normalised` (see normalise_login), or None."""
    if not normalised:
        return None
    if "@" in normalised:
        return User.objects.filter(email=normalised).first()
    if parse_mainland_mobile(normalised) == normalised:
        return User.objects.filter(phone=normalised).first()
    return None


def find_user_by_login(login: object) -> User | None:
    """Find a user by email or by mainland mobile number, however either is written."""
    return user_for_login(normalise_login(login))
