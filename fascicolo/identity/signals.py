"""Signals the identity app sends; apps that hold credentials of their own listen to them."""

from django.dispatch import Signal

# A resident chose to log out (not an idle or absolute session expiry). Arguments: ``user``.
# Receivers revoke what the resident's session handed out, such as the app's bearer tokens.
resident_logged_out = Signal()
