"""Build the Rasa training data and the topic part of the domain from content entries.

The generated files are committed so that reviewers see the training data; the
content check fails when they are out of date (`make nlu-data` rewrites them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.content import TopicEntry, dump_yaml
from core.risk_check import FORM as RISK_FORM
from core.risk_check import TOPIC as RISK_TOPIC
from core.risk_check import RiskScoring

GENERATED_NOTE = "# Generated from content/ by `make nlu-data`; edit the content, not this file.\n"
PLACEHOLDER_TEXT = "(rendered by the NLG endpoint from content)"
HELP_TOPIC = "find_help"
HELP_FORM = "find_help_form"
HELP_SLOT = "help_place"
PLACE_ENTITIES = ("district", "border_point", "country")
# How a topic's intent starts its answer; topics not named here answer with their response.
FLOW_START = {
    RISK_TOPIC: ["action_risk_reset", RISK_FORM],
    HELP_TOPIC: ["action_find_help_place", HELP_FORM],
}


def response_name(key: str) -> str:
    """The Rasa response that answers topic `key`."""
    return f"utter_{key}"


def topic_of_response(name: str) -> str | None:
    """The topic key a response name answers, or None for other responses."""
    return name.removeprefix("utter_") if name.startswith("utter_") else None


def clean_example(text: str) -> str:
    """One example as a single line."""
    return " ".join(text.split())


def domain_document(entries: Sequence[TopicEntry]) -> dict[str, object]:
    """Intents and placeholder responses for every topic key."""
    return {
        "version": "3.1",
        "intents": [entry.key for entry in entries],
        "responses": {
            response_name(e.key): [{"text": PLACEHOLDER_TEXT}]
            for e in entries
            if e.key not in FLOW_START
        },
    }


def nlu_document(entries: Sequence[TopicEntry]) -> str:
    """Training examples of every topic in all three scripts, as Rasa NLU YAML."""
    lines = ['version: "3.1"', "nlu:"]
    for entry in entries:
        examples = [
            clean_example(text)
            for texts in entry.examples.by_script().values()
            for text in texts
            if text.strip()
        ]
        if not examples:
            continue
        lines.append(f"  - intent: {entry.key}")
        lines.append("    examples: |")
        lines.extend(f"      - {text}" for text in dict.fromkeys(examples))
    return "\n".join(lines) + "\n"


def answer_steps(key: str) -> list[dict[str, object]]:
    """What follows the intent of topic `key`: its response, or the start of its form."""
    if key not in FLOW_START:
        return [{"action": response_name(key)}]
    *actions, form = FLOW_START[key]
    steps: list[dict[str, object]] = [{"action": action} for action in actions]
    return [*steps, {"action": form}, {"active_loop": form}]


def form_rules(entries: Sequence[TopicEntry]) -> list[dict[str, object]]:
    """Each form's submission, what follows the risk result, and, for every other topic,
    a rule that leaves an active form to answer it (the user changed the subject)."""
    submitted = [{"active_loop": None}, {"slot_was_set": [{"requested_slot": None}]}]
    rules: list[dict[str, object]] = [
        {
            "rule": "risk check result",
            "steps": [
                {"action": RISK_FORM},
                *submitted,
                {"action": "utter_risk_result"},
                {"action": "action_risk_reset"},
            ],
        },
        {
            "rule": "after the risk result, yes means a counsellor",
            "steps": [
                {"action": "action_risk_reset"},
                {"intent": "affirm"},
                {"action": "utter_risk_accept"},
            ],
        },
        {
            "rule": "after the risk result, no is respected",
            "steps": [
                {"action": "action_risk_reset"},
                {"intent": "deny"},
                {"action": "utter_risk_declined"},
            ],
        },
        {
            "rule": "find help results",
            "steps": [{"action": HELP_FORM}, *submitted, {"action": "utter_find_help_results"}],
        },
    ]
    for form, own_topic in ((RISK_FORM, RISK_TOPIC), (HELP_FORM, HELP_TOPIC)):
        for entry in entries:
            if entry.key == own_topic:
                continue
            rules.append(
                {
                    "rule": f"{entry.key} leaves {form}",
                    "condition": [{"active_loop": form}],
                    "steps": [
                        {"intent": entry.key},
                        {"action": "action_deactivate_loop"},
                        {"active_loop": None},
                        *answer_steps(entry.key),
                    ],
                }
            )
    return rules


def rules_document(entries: Sequence[TopicEntry]) -> dict[str, object]:
    """One rule per topic (its intent is answered), plus the forms' rules."""
    return {
        "version": "3.1",
        "rules": [
            {
                "rule": f"answer {entry.key}",
                "steps": [{"intent": entry.key}, *answer_steps(entry.key)],
            }
            for entry in entries
        ]
        + form_rules(entries),
    }


def flows_domain_document(scoring: RiskScoring) -> dict[str, object]:
    """Slots, forms, actions and placeholder responses of the two forms."""
    slots: dict[str, object] = {}
    for slot in scoring.slots:
        when = [{"active_loop": RISK_FORM, "requested_slot": slot}]
        slots[slot] = {
            "type": "bool",
            "influence_conversation": False,
            "mappings": [
                {"type": "from_intent", "intent": "affirm", "value": True, "conditions": when},
                {"type": "from_intent", "intent": "deny", "value": False, "conditions": when},
            ],
        }
    slots[HELP_SLOT] = {
        "type": "text",
        "influence_conversation": False,
        "mappings": [
            {
                "type": "from_entity",
                "entity": entity,
                "conditions": [{"active_loop": HELP_FORM, "requested_slot": HELP_SLOT}],
            }
            for entity in PLACE_ENTITIES
        ],
    }
    # The forms' questions are declared as actions, not responses: no rule names them (the form
    # asks), and Rasa's validator wants every response used in a rule.
    questions = [f"utter_ask_{slot}" for slot in [*scoring.slots, HELP_SLOT]]
    responses = [
        "utter_risk_result",
        "utter_risk_accept",
        "utter_risk_declined",
        "utter_find_help_results",
    ]
    return {
        "version": "3.1",
        "slots": slots,
        "forms": {
            RISK_FORM: {"required_slots": scoring.slots},
            HELP_FORM: {"required_slots": [HELP_SLOT]},
        },
        "actions": ["action_risk_reset", "action_find_help_place", *questions],
        "responses": {name: [{"text": PLACEHOLDER_TEXT}] for name in responses},
    }


def test_stories_document(entries: Sequence[TopicEntry], scoring: RiskScoring) -> dict[str, object]:
    """A test story per topic and script: its first example is answered with its response."""
    stories = []
    for entry in entries:
        for script, texts in entry.examples.by_script().items():
            if texts:
                stories.append(
                    {
                        "story": f"{entry.key} asked in {script}",
                        "steps": [
                            {"user": clean_example(texts[0]), "intent": entry.key},
                            *answer_steps(entry.key),
                        ],
                    }
                )
    return {"version": "3.1", "stories": stories + form_stories(scoring)}


def form_stories(scoring: RiskScoring) -> list[dict[str, object]]:
    """The whole self-check answered "yes" then accepting a counsellor, a change of subject in
    the middle of it, and find help asked for a place."""
    start = [{"intent": RISK_TOPIC}, *answer_steps(RISK_TOPIC)]
    answers: list[dict[str, object]] = []
    for index, slot in enumerate(scoring.slots):
        answers += [
            {"slot_was_set": [{"requested_slot": slot}]},
            {"intent": "affirm"},
            {"action": RISK_FORM},
            {"slot_was_set": [{slot: True}]},
        ]
        if index == len(scoring.slots) - 1:
            answers += [{"active_loop": None}, {"slot_was_set": [{"requested_slot": None}]}]
    return [
        {
            "story": "risk check answered yes throughout, then a counsellor",
            "steps": [
                *start,
                *answers,
                {"action": "utter_risk_result"},
                {"action": "action_risk_reset"},
                {"intent": "affirm"},
                {"action": "utter_risk_accept"},
            ],
        },
        {
            "story": "risk check left for another question",
            "steps": [
                *start,
                {"slot_was_set": [{"requested_slot": scoring.slots[0]}]},
                {"intent": "labour_permit"},
                {"action": "action_deactivate_loop"},
                {"active_loop": None},
                {"action": "utter_labour_permit"},
            ],
        },
        {
            "story": "find help asks for the place",
            "steps": [
                {"intent": HELP_TOPIC},
                *answer_steps(HELP_TOPIC),
                {"slot_was_set": [{"requested_slot": HELP_SLOT}]},
                {"intent": "country_list", "entities": [{"district": "Kailali"}]},
                {"action": HELP_FORM},
                {"slot_was_set": [{HELP_SLOT: "Kailali"}]},
                {"active_loop": None},
                {"slot_was_set": [{"requested_slot": None}]},
                {"action": "utter_find_help_results"},
            ],
        },
    ]


def generated_files(entries: Sequence[TopicEntry], scoring: RiskScoring) -> dict[str, str]:
    """Relative path under nlu/ → file text (topics in key order, so the text is stable)."""
    entries = sorted(entries, key=lambda entry: entry.key)
    return {
        "domain/topics.yml": GENERATED_NOTE + dump_yaml(domain_document(entries)),
        "domain/flows.yml": GENERATED_NOTE + dump_yaml(flows_domain_document(scoring)),
        "data/nlu.yml": GENERATED_NOTE + nlu_document(entries),
        "data/topic_rules.yml": GENERATED_NOTE + dump_yaml(rules_document(entries)),
        "tests/test_stories.yml": GENERATED_NOTE
        + dump_yaml(test_stories_document(entries, scoring)),
    }


def write_nlu_data(
    entries: Sequence[TopicEntry], scoring: RiskScoring, nlu_dir: Path
) -> list[Path]:
    """Write the generated files; returns the ones whose text changed."""
    changed = []
    for relative, text in generated_files(entries, scoring).items():
        path = nlu_dir / relative
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale_nlu_files(
    entries: Sequence[TopicEntry], scoring: RiskScoring, nlu_dir: Path
) -> list[str]:
    """Generated files that differ from what the content would generate."""
    return [
        relative
        for relative, text in generated_files(entries, scoring).items()
        if not (nlu_dir / relative).exists()
        or (nlu_dir / relative).read_text(encoding="utf-8") != text
    ]
