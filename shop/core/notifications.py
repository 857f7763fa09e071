"""Messages to people, by text message (a mainland mobile number) or email,
behind one interface: `notify(to, text)`.

The backend is chosen by `NOTIFICATION_BACKEND`: the console (the embedded
default: the message is logged, as Django's console email backend prints
mail), `MemoryBackend` (tests read `outbox`), or a provider's SMS backend
plugged in later with the same `send(message)`. Messages leave through a
Celery task, so a request never waits for a provider and a message whose
worker died is sent again (tasks are acknowledged late): a message may,
rarely, arrive twice, never not at all.
"""

import logging
from dataclasses import dataclass
from typing import Protocol

from celery import shared_task
from django.conf import settings
from django.utils.functional import Promise as StrPromise
from django.utils.module_loading import import_string

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


outbox: list[Message] = []


class MemoryBackend:
    """Keeps what was sent in `outbox`, for tests."""

    def send(self, message: Message) -> None:
        outbox.append(message)


@shared_task
def deliver(to: str, text: str) -> None:
    backend: Backend = import_string(settings.NOTIFICATION_BACKEND)()
    backend.send(Message(to, text))


def notify(to: str, text: str | StrPromise) -> None:
    """Send `text` to `to` (already in the recipient's language)."""
    deliver.delay(to, str(text))
