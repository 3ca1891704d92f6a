from django.urls import path

app_name = "methodologies"

urlpatterns: list = []
