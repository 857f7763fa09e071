"""Messages to people, by text message (a mainland mobile number) or email,
behind one interface: `notify(to, text)`.

The backend is chosen by `NOTIFICATION_BACKEND`: `MailBackend` (the default:
emails through Django's email backend, which prints them on the console unless
`EMAIL_URL` names an SMTP server; text messages logged), the console (every
message logged), `MemoryBackend` (tests read `outbox`), or a provider's SMS backend
plugged in later with the same `send(message)`. Messages leave through a
Celery task, so a request never waits for a provider. A message is sent at
most once (`durable_task(idempotent=False)`): one lost with a worker that
died is asked for again (a registration code: "send a new code").
"""

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.functional import Promise as StrPromise
from django.utils.module_loading import import_string

from shop.core.tasks import durable_task

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    to: str  # an E.164 mobile number or an email address
    text: str


class Backend(Protocol):
    def send(self, message: Message) -> None: ...


class ConsoleBackend:
    def send(self, message: Message) -> None:
        logger.warning("message to %s: %s", message.to, message.text)


class MailBackend:
    """Emails through Django's email backend (`EMAIL_BACKEND`: the console in
    the embedded default, SMTP with `EMAIL_URL`); a mobile number is logged as
    the console does until an SMS provider's backend is configured."""

    def send(self, message: Message) -> None:
        if "@" not in message.to:
            ConsoleBackend().send(message)
            return
        subject = message.text.splitlines()[0][:78] if message.text else ""
        send_mail(subject, message.text, None, [message.to])


outbox: list[Message] = []


class MemoryBackend:
    """Keeps what was sent in `outbox`, for tests."""

    def send(self, message: Message) -> None:
        outbox.append(message)


@durable_task(idempotent=False)  # a text twice costs money and confuses: at most once
def deliver(to: str, text: str) -> None:
    backend: Backend = import_string(settings.NOTIFICATION_BACKEND)()
    backend.send(Message(to, text))


def notify(to: str, text: str | StrPromise) -> None:
    """Send `text` to `to` (already in the recipient's language)."""
    deliver.delay(to, str(text))
