"""Moderation hooks. Today: the operator's blocklist of terms (``TENKU_BLOCKED_TERMS``,
comma-separated, matched as whole words, case-insensitive). The video service asks
:func:`check_prompt` before it queues anything; a refusal becomes a ``failed`` video with
``error.code = "moderation_blocked"``, as OpenAI's API reported it. Real classifiers of
prompts and frames plug in here later."""

from __future__ import annotations

import re


def check_prompt(prompt: str, blocked_terms: str = "") -> str | None:
    """None if the prompt may be filmed, else the reason it may not."""
    for term in (t.strip() for t in blocked_terms.split(",")):
        if term and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", prompt, re.IGNORECASE):
            return ("Your request was blocked by this server's moderation rules: the prompt "
                    "contains a blocked term. Rephrase it and try again.")
    return None
