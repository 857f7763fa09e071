"""Uploads are refused as early as possible: an anonymous multipart request
before its body is read, a body declared too large from its Content-Length,
and a file part as soon as it streams past UPLOAD_MAX_BYTES (so a 1 GB part
never reaches a temporary file)."""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shop.core.api.requests import RequestRefused
from shop.core.errors import RequestErrorCode as Code

TOO_LARGE = "too_large"

if TYPE_CHECKING:

    class _UploadRequest(HttpRequest):
        upload_refused: str


class LimitedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes and stops the upload
    once one is too large, marking the request so the view can say why."""

    # Django gives every handler the request whose body it reads.
    request: "_UploadRequest"

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.request.upload_refused = TOO_LARGE
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large(limit: int) -> RequestRefused:
    return RequestRefused(
        _("The upload is larger than %d bytes.") % limit, Code.REQUEST_TOO_LARGE, 413
    )


def check_upload_allowed(request: HttpRequest) -> None:
    """Before reading a multipart body: only signed-in users upload, within the size cap."""
    if not request.user.is_authenticated:
        raise RequestRefused(_("You need to sign in to upload files."), Code.UNAUTHENTICATED, 401)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isascii() and length.isdigit() and int(length) > settings.UPLOAD_MAX_BODY_BYTES:
        raise _too_large(settings.UPLOAD_MAX_BODY_BYTES)


def check_upload_complete(request: HttpRequest) -> None:
    """After reading it: refuse the request if a file part was cut off for its size."""
    if getattr(request, "upload_refused", None) == TOO_LARGE:
        raise _too_large(settings.UPLOAD_MAX_BYTES)
