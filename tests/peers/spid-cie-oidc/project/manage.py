#!/usr/bin/env python
"""The SDK's trust anchor and SPID OpenID provider for the portal's federation tests (see settings.py)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
