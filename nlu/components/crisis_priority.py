"""Answer as a crisis whenever the model gives `crisis` a fair chance.

Missing someone in danger costs far more than one unneeded emergency message, so a
crisis that is not the top intent, or that the fallback would turn into a clarifying
question, still wins once its confidence reaches `threshold`. The threshold is tuned
on the held-out set against the false-alarm limit (docs/nlu.md).
"""

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisPriority(GraphComponent):
    """Promote the crisis intent above a low confidence threshold."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": "crisis", "threshold": 0.1}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisPriority":
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self._intent = config["intent"]
        self._threshold = float(config["threshold"])

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            for candidate in message.get(INTENT_RANKING_KEY) or []:
                if (
                    candidate.get("name") == self._intent
                    and candidate.get("confidence", 0) >= self._threshold
                ):
                    message.set(
                        INTENT,
                        {"name": self._intent, "confidence": candidate["confidence"]},
                        add_to_output=True,
                    )
                    break
        return messages
