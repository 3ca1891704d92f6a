"""Browser URLs of the documents (mounted at /documents/). The verification pages are public."""

from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:number>/", views.verify_number, name="verify-number"),
    path("of/<str:kind>/<str:subject_id>/", views.for_subject, name="for-subject"),
    path("statements/<str:account>/", views.statement, name="statement"),
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/download/", views.batch_download, name="batch-download"),
    path("<str:number>/v<int:version>/pdf/", views.download, name="download"),
    path("<str:number>/reissue/", views.reissue, name="reissue"),
]
