"""The main menu (content/menu.yml in the live store) as buttons."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.answers import topic_buttons
from core.content_store import document

GROUP_PREFIX = "menu:"


async def menu_groups(session: AsyncSession, language: str) -> list[dict[str, str]]:
    """One button per topic group; its payload opens the group."""
    groups = (await document(session, "menu")).get("groups") or []
    return [
        {
            "title": group["title"]["ne" if language == "ne" else "en"],
            "payload": f"{GROUP_PREFIX}{group['id']}",
        }
        for group in groups
    ]


async def group_topics(session: AsyncSession, group_id: str, language: str) -> list[dict[str, str]]:
    """The topics of one group as buttons (empty for an unknown group)."""
    groups = (await document(session, "menu")).get("groups") or []
    keys = next((group.get("topics") or [] for group in groups if group.get("id") == group_id), [])
    return await topic_buttons(session, list(keys), language)
