"""Rasa entity extractor for country (ISO code), district and border_point (see places.py)."""

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.places import find_places, load_aliases

NLU_DIR = Path(__file__).resolve().parents[1]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PlaceExtractor(GraphComponent):
    """Adds place entities, normalised, from the aliases in content/places.yml."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"places_file": "../content/places.yml"}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "PlaceExtractor":
        return cls(load_aliases(NLU_DIR / config["places_file"]))

    def __init__(self, aliases: dict[str, Any]) -> None:
        self._aliases = aliases

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            places = find_places(message.get(TEXT) or "", self._aliases)
            if not places:
                continue
            entities = list(message.get(ENTITIES) or [])
            entities += [
                {
                    "entity": place.entity,
                    "value": place.value,
                    "start": place.start,
                    "end": place.end,
                    "confidence_entity": 1.0,
                    "extractor": "PlaceExtractor",
                }
                for place in places
            ]
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
