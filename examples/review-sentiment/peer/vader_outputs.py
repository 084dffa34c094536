"""VADER (the paper's own method) on a split, as outputs `tailor eval --outputs` grades.

    python -m venv /tmp/vader-venv && /tmp/vader-venv/bin/pip install -r peer/requirements.txt
    /tmp/vader-venv/bin/python peer/vader_outputs.py data/test.jsonl > peer/vader-test.jsonl

The compound score is classified with the thresholds the paper uses for every method (+-0.05).
"""

import json
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def label(compound: float) -> str:
    if compound >= 0.05:
        return "positive"
    if compound <= -0.05:
        return "negative"
    return "neutral"


def main(path: str) -> None:
    analyzer = SentimentIntensityAnalyzer()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            compound = analyzer.polarity_scores(record["input"]["text"])["compound"]
            output = json.dumps({"sentiment": label(compound)})
            print(json.dumps({"id": record["id"], "output": output}))


if __name__ == "__main__":
    main(sys.argv[1])
