"""Ask which topic the user meant when the NLU was unsure; offer a person after two misses."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

FALLBACK_INTENT = "nlu_fallback"
NOT_A_TOPIC = {FALLBACK_INTENT, "out_of_scope", "greet", "goodbye", "affirm", "deny"}


def likely_topics(tracker: Tracker, count: int = 2) -> List[Text]:
    """The most likely topic keys of the latest message, best first."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    names = [item.get("name") for item in ranking]
    return [name for name in names if name and name not in NOT_A_TOPIC][:count]


def missed_before(tracker: Tracker) -> bool:
    """Whether the user message before the latest one was not understood either."""
    intents = [
        event.get("parse_data", {}).get("intent", {}).get("name")
        for event in tracker.events
        if event.get("event") == "user"
    ]
    return len(intents) >= 2 and intents[-2] == FALLBACK_INTENT


class ActionClarify(Action):
    """Offer the two most likely topics as buttons, or a counsellor after two misses."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if missed_before(tracker):
            dispatcher.utter_message(response="utter_clarify_failed")
        else:
            dispatcher.utter_message(response="utter_clarify", topics=likely_topics(tracker))
        return []
