"""A recall shows first on the batch's provenance page and in its linkset
(`gs1:recallStatus`) at once, whatever was cached before."""

from django.test import Client

from shop.orders import services as orders

GS1_VOC = "https://gs1.org/voc/"


def test_a_recalled_batch_says_so_on_its_page_and_in_its_linkset(
    rice_batches, seller_user, django_capture_on_commit_callbacks
):
    old, _new = rice_batches
    page = f"/t/{old.code}"
    before = Client().get(page, HTTP_ACCEPT="text/html")
    assert before.status_code == 200 and 'id="recall"' not in before.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        orders.recall(actor=seller_user, batch=old, reason="检出霉变")

    html = Client().get(page, HTTP_ACCEPT="text/html").content.decode()
    assert 'id="recall"' in html and "检出霉变" in html
    assert html.index('id="recall"') < html.index('role="status"')
    (context,) = Client().get(f"{page}?linkType=all").json()["linkset"]
    assert context[f"{GS1_VOC}recallStatus"][0]["href"].endswith("#recall")
