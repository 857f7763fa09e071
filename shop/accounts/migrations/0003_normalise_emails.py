"""Store every email in the one spelling that sign-in looks up by exact match.

The folding is a frozen copy of shop.accounts.selectors.canonical_email as it
was when this migration was written (a migration must not change when the
code does). An email whose normalised form belongs to another user already,
or no longer fits the column, is left as it is and reported: an operator
must decide which account keeps it.
"""

import unicodedata

from django.db import migrations

MAX_EMAIL_LENGTH = 254


def _canonical_email(value):
    text = unicodedata.normalize("NFKC", value).strip()
    return unicodedata.normalize("NFKC", text.upper().casefold())


def normalise_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    users = User.objects.using(schema_editor.connection.alias)
    rows = list(users.exclude(email=None).order_by("pk").values_list("pk", "email"))
    taken = {email for _pk, email in rows}
    left = []
    for pk, email in rows:
        canonical = _canonical_email(email) or None
        if canonical == email:
            continue
        if canonical is not None and (canonical in taken or len(canonical) > MAX_EMAIL_LENGTH):
            left.append(pk)
            continue
        if canonical is None and not users.filter(pk=pk).exclude(phone=None).exists():
            left.append(pk)  # an account needs a phone number or an email
            continue
        users.filter(pk=pk).update(email=canonical)
        taken.discard(email)
        if canonical is not None:
            taken.add(canonical)
    if left:
        print(  # noqa: T201
            f"\n  accounts.0003: users {left} keep an email whose normalised form "
            "is another user's (or too long); they cannot sign in by email until it is changed."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_last_sign_in"),
    ]

    operations = [
        migrations.RunPython(normalise_emails, migrations.RunPython.noop),
    ]
