"""Prometheus counters shared by every part of the app."""

from prometheus_client import Counter

MESSAGES = Counter("sahayatri_messages_total", "Messages handled.", ["channel", "sender"])
RASA_FAILURES = Counter(
    "sahayatri_rasa_failures_total", "Times Rasa gave no reply and the safe fallback was sent."
)
