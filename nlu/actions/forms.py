"""Custom actions of the two forms: a fresh self-check, and find help's place from the question."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

RISK_FORM = "risk_check_form"
HELP_SLOT = "help_place"
PLACE_ENTITIES = ("district", "border_point", "country")


class ActionRiskReset(Action):
    """Forget every self-check answer: before a new check, and as soon as the result is given."""

    def name(self) -> Text:
        return "action_risk_reset"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        slots = domain.get("forms", {}).get(RISK_FORM, {}).get("required_slots", [])
        return [SlotSet(slot, None) for slot in slots]


class ActionFindHelpPlace(Action):
    """Take the place from the question itself ("any ngo in Jhapa?"), or clear it so the
    form asks for one."""

    def name(self) -> Text:
        return "action_find_help_place"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        places = [
            entity.get("value")
            for entity in tracker.latest_message.get("entities") or []
            if entity.get("entity") in PLACE_ENTITIES
        ]
        return [SlotSet(HELP_SLOT, places[0] if places else None)]
