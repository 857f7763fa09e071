"""The pages: each area of the site lists its own URLs in its views module."""

from django.urls import path

from storefront.views import (
    accounts,
    buying,
    catalogue,
    operator,
    operator_orders,
    operator_scans,
    operator_trace_log,
    orders,
    provenance,
    receipts,
    site,
    stripe_pay,
    workbench,
    workbench_batches,
    workbench_orders,
    workbench_products,
)

app_name = "storefront"
urlpatterns = [
    *provenance.urlpatterns,
    *receipts.urlpatterns,
    path("lang/<str:code>/", site.switch_language, name="language"),
    path("robots.txt", site.robots_txt, name="robots"),
    *catalogue.urlpatterns,
    *accounts.urlpatterns,
    *buying.urlpatterns,
    *orders.urlpatterns,
    *stripe_pay.urlpatterns,
    *workbench.urlpatterns,
    *workbench_products.urlpatterns,
    *workbench_batches.urlpatterns,
    *workbench_orders.urlpatterns,
    *operator.urlpatterns,
    *operator_scans.urlpatterns,
    *operator_trace_log.urlpatterns,
    *operator_orders.urlpatterns,
]
