"""Date formats of the portal where they differ from Django's (``FORMAT_MODULE_PATH``), per language.

Only what differs is set; everything else falls back to Django's own formats of the language.
"""
