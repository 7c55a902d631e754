from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("", views.login_page, name="login"),
    path("livello/", views.step_up, name="step_up"),
    path("esci/", views.logout_view, name="logout"),
]
