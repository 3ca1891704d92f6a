"""Browser URLs of the committee app (mounted at /committee/).

Joint Committees are named by their partner country's ISO code: /committee/jc/MN/.
"""

from django.urls import path

from . import views

app_name = "committee"

urlpatterns = [
    # public
    path("", views.country_list, name="country-list"),
    path("countries/<str:code>/", views.country_detail, name="country-detail"),
    path("jc/<str:code>/", views.jc_detail, name="jc-detail"),
    path("jc/<str:code>/meetings/<int:number>/", views.meeting_detail, name="meeting-detail"),
    path("jc/<str:code>/decisions/<int:pk>/", views.decision_detail, name="decision-detail"),
    path("jc/<str:code>/rules/new/", views.rule_publish, name="rule-publish"),  # before rule-detail
    path("jc/<str:code>/rules/<str:rule_code>/", views.rule_detail, name="rule-detail"),
    path("tpes/", views.tpe_list, name="tpe-list"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization-detail"),
    path("tpes/<str:tpe_id>/", views.tpe_detail, name="tpe-detail"),
    # secretariat
    path("jc/<str:code>/meetings/new/", views.meeting_record, name="meeting-record"),
    path("jc/<str:code>/meetings/<int:number>/publish/", views.meeting_publish, name="meeting-publish"),
    path("jc/<str:code>/decisions/new/", views.decision_record, name="decision-record"),
    path("jc/<str:code>/decisions/<int:pk>/publish/", views.decision_publish, name="decision-publish"),
    path("jc/<str:code>/tpes/new/", views.tpe_designate, name="tpe-designate"),
    path("jc/<str:code>/members/new/", views.member_appoint, name="member-appoint"),
    path("jc/<str:code>/members/<int:pk>/end/", views.member_end, name="member-end"),
    path("tpes/<str:tpe_id>/status/", views.tpe_status, name="tpe-status"),
    path("tpes/<str:tpe_id>/scope-until/", views.tpe_scope_until, name="tpe-scope-until"),
]
