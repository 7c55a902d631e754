"""The dossier's part of /api/v1/ (included by fascicolo/api/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="me"),
    path("household/", api.HouseholdView.as_view(), name="household"),
    path("messages/", api.MessageList.as_view(), name="messages"),
    path("messages/<int:pk>/", api.MessageDetail.as_view(), name="message-detail"),
    path("messages/<int:pk>/read/", api.MessageRead.as_view(), name="message-read"),
    path("access-log/", api.AccessLogView.as_view(), name="access-log"),
    path("access-log/logins/", api.LoginLogView.as_view(), name="logins"),
    path("settings/", api.SettingsView.as_view(), name="settings"),
    path("rectifications/", api.RectificationList.as_view(), name="rectifications"),
    path("rectifications/<int:pk>/", api.RectificationDetail.as_view(), name="rectification-detail"),
    path("tokens/", api.TokenList.as_view(), name="tokens"),
    path("tokens/<int:pk>/", api.TokenDetail.as_view(), name="token-detail"),
]
