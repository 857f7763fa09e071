import phonenumbers

from shop.accounts.models import User


def parse_mainland_mobile(value):
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


def find_user_by_login(login):
    """Find a user by email (contains '@') or by mainland mobile number."""
    login = login.strip()
    if "@" in login:
        return User.objects.filter(email__iexact=login).first()
    phone = parse_mainland_mobile(login)
    if phone is None:
        return None
    return User.objects.filter(phone=phone).first()
