"""Article intake (issue 7): from an article's text to draft claims, then to stored claims.

``intake_draft`` reads only and returns a draft bundle; ``intake_accept`` imports the drafts an
editor accepted. The admin page, the API and the ``intake_article`` command all call these two.
See docs/intake.md.
"""

from claims.intake.accept import intake_accept
from claims.intake.draft import MAX_TEXT_CHARS, DraftSentence, IntakeDraft, intake_draft

__all__ = ["MAX_TEXT_CHARS", "DraftSentence", "IntakeDraft", "intake_accept", "intake_draft"]
