"""The download of a finished label sheet: the PDF never has a public URL.

Who may fetch it is who may read the batch (`visible_label_jobs`), signed in by
session or by a bearer token. Anyone else, and any job not finished, gets the
same 404, so the answer does not tell whether a job ID exists.
"""

from django.http import FileResponse, Http404, HttpRequest
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from traceability.models import LabelJob
from traceability.selectors import visible_label_jobs


@require_GET
def label_job_download(request: HttpRequest, job_id: str) -> FileResponse:
    job = (
        visible_label_jobs(request.user)
        .select_related("batch")
        .filter(pk=job_id, status=LabelJob.Status.DONE)
        .first()
    )
    if job is None or not job.file:
        raise Http404
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=f"labels-{job.batch.code}-{job.kind}.pdf",
        content_type="application/pdf",
    )
    # The sheet is the seller's: no shared cache may keep it.
    patch_cache_control(response, private=True, no_store=True)
    return response
