"""The resident shell around every page of a section (``fascicolo.sections.section_page``).

Whichever app's view renders a section page, the shell's template (``dossier/base.html``) gets the
same context from here: the resident's ``person`` and ``fiscal_code``, the current ``section``, the
``unread_count`` badge and the ``dossier_menu``. Nothing is added to pages outside the area personale.
"""

from fascicolo.identity.services import fiscal_code_for_user

from .menu import menu_for
from .selectors import unread_count


def shell(request):
    info = getattr(request, "dossier", None)
    if info is None or not request.user.is_authenticated:
        return {}
    unread = unread_count(request.user)
    return {
        "person": info["person"],
        "fiscal_code": fiscal_code_for_user(request.user),
        "section": info["section"],
        "unread_count": unread,
        "dossier_menu": menu_for(request, info["person"], unread),
    }
