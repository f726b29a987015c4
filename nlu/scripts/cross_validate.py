"""k-fold cross-validation of the NLU per input script, for our pipeline and Rasa's default.

Runs in the Rasa environment (Python 3.10):
    PYTHONHASHSEED=0 .venv-rasa/bin/python nlu/scripts/cross_validate.py --folds 5
Reads the examples straight from content/topics/*.yml so each keeps its script.
Prints a Markdown table (intent accuracy and macro F1 per script and pipeline).
"""

import argparse
import asyncio
import os
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "nlu"))  # custom components of nlu/config.yml
SCRIPTS = ("en", "ne", "ne-Latn")
# `rasa init`'s config.yml for Rasa 3.6 (its pipeline and policies are commented out, so Rasa
# fills in this default pipeline): the baseline we compare against.
DEFAULT_CONFIG = """
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies: []
"""


def examples():
    """(text, script, intent) for every example of every topic."""
    rows = []
    for path in sorted((ROOT / "content" / "topics").glob("*.yml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        for script in SCRIPTS:
            for text in entry.get("examples", {}).get(script, []):
                rows.append((" ".join(str(text).split()), script, entry["key"]))
    return rows


def folds(rows, k, seed=42):
    """k stratified folds (by intent and script)."""
    groups = defaultdict(list)
    for row in rows:
        groups[(row[2], row[1])].append(row)
    assigned = [[] for _ in range(k)]
    rng = random.Random(seed)
    for key in sorted(groups):
        items = groups[key]
        rng.shuffle(items)
        for index, row in enumerate(items):
            assigned[index % k].append(row)
    return assigned


def nlu_yaml(rows):
    by_intent = defaultdict(list)
    for text, _script, intent in rows:
        by_intent[intent].append(text)
    lines = ['version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {text}" for text in dict.fromkeys(by_intent[intent])]
    return "\n".join(lines) + "\n"


def train_and_predict(config_text, train_rows, test_rows, workdir):
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    data = workdir / "nlu.yml"
    data.write_text(nlu_yaml(train_rows), encoding="utf-8")
    config = workdir / "config.yml"
    config.write_text(config_text, encoding="utf-8")
    model = train_nlu(str(config), str(data), str(workdir / "models"), fixed_model_name="fold")
    agent = Agent.load(model)

    async def parse_all():
        return [(await agent.parse_message(text))["intent"]["name"] for text, _s, _i in test_rows]

    return asyncio.run(parse_all())


def macro_f1(pairs):
    labels = {expected for expected, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for e, p in pairs if e == label and p == label)
        fp = sum(1 for e, p in pairs if e != label and p == label)
        fn = sum(1 for e, p in pairs if e == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    rows = examples()
    parts = folds(rows, args.folds)
    pipelines = {
        "sahayatri (nlu/config.yml)": (ROOT / "nlu" / "config.yml").read_text(encoding="utf-8"),
        "rasa init default": DEFAULT_CONFIG,
    }
    results = {name: defaultdict(list) for name in pipelines}
    for index in range(args.folds):
        test_rows = parts[index]
        train_rows = [row for j, part in enumerate(parts) if j != index for row in part]
        for name, config_text in pipelines.items():
            with tempfile.TemporaryDirectory() as tmp:
                predicted = train_and_predict(config_text, train_rows, test_rows, Path(tmp))
            for (_text, script, intent), guess in zip(test_rows, predicted, strict=False):
                results[name][script].append((intent, guess))
            print(f"fold {index + 1}/{args.folds} {name} done", file=sys.stderr, flush=True)
    print(
        f"{args.folds}-fold cross-validation on {len(rows)} examples from content/ (intent accuracy / macro F1)\n"
    )
    print("| pipeline | " + " | ".join(SCRIPTS) + " | all |")
    print("|---|" + "---|" * (len(SCRIPTS) + 1))
    for name in pipelines:
        cells = []
        for script in (*SCRIPTS, None):
            pairs = [p for s in SCRIPTS if script in (None, s) for p in results[name][s]]
            accuracy = sum(e == g for e, g in pairs) / len(pairs) if pairs else 0.0
            cells.append(f"{accuracy:.3f} / {macro_f1(pairs):.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
