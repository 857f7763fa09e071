"""The public page of the signed checkpoints and the key that signed them.

Anyone can copy these documents and later check a chain against them without
trusting our database: each checkpoint verifies with the published Ed25519 key
(`traceability.integrity` documents the exact bytes signed).
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from traceability import integrity
from traceability.models import Checkpoint

RECENT = 20  # the newest checkpoints listed; older ones stay in the database


@require_GET
def checkpoints(request: HttpRequest) -> JsonResponse:
    """The public key and the newest checkpoints, newest first."""
    recent = Checkpoint.objects.order_by("-pk").values_list("document", flat=True)[:RECENT]
    response = JsonResponse(
        {"key": integrity.public_key_document(), "checkpoints": list(recent)},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    return response
