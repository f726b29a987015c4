"""Train the NLU twice on the same data and check the predictions are identical.

Runs in the Rasa environment: PYTHONHASHSEED=0 .venv-rasa/bin/python nlu/scripts/determinism_check.py
Uses nlu/config.yml with fewer epochs and six topics so it takes about a minute.
Prints one JSON line; exits 1 when the two models disagree anywhere.
"""

import json
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cross_validate as cv

TOPICS = {"labour_permit", "individual_permit", "crisis", "passport", "hotlines", "greet"}
PROBES = [
    "what is a labour permit",
    "श्रम स्वीकृति भनेको के हो",
    "aafai job khojeko permit kasari",
    "help they locked me",
    "passport banauna kaha jane",
    "1145 ko number",
    "namaste",
]


def main() -> int:
    rows = [row for row in cv.examples() if row[2] in TOPICS]
    config = yaml.safe_load((cv.ROOT / "nlu" / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if "epochs" in component:
            component["epochs"] = 20
    config_text = yaml.safe_dump(config)
    runs = []
    for _ in range(2):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(run(config_text, rows, Path(tmp)))
    same = runs[0] == runs[1]
    print(json.dumps({"deterministic": same, "probes": len(PROBES)}))
    return 0 if same else 1


def run(config_text, rows, workdir):
    import asyncio

    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    (workdir / "nlu.yml").write_text(cv.nlu_yaml(rows), encoding="utf-8")
    (workdir / "config.yml").write_text(config_text, encoding="utf-8")
    model = train_nlu(
        str(workdir / "config.yml"),
        str(workdir / "nlu.yml"),
        str(workdir / "m"),
        fixed_model_name="d",
    )
    agent = Agent.load(model)

    async def parse():
        out = []
        for text in PROBES:
            parsed = await agent.parse_message(text)
            out.append([(i["name"], i["confidence"]) for i in parsed["intent_ranking"]])
        return out

    return asyncio.run(parse())


if __name__ == "__main__":
    sys.exit(main())
