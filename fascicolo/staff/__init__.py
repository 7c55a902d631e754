"""Clerks' sign-in: allauth username/password plus a mandatory second factor, in front of the admin."""
