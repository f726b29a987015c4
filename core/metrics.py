"""Prometheus metrics shared by every part of the app (scraped at /metrics)."""

from prometheus_client import Counter, Gauge, Histogram

# Seconds, from a fast NLG render to a slow Rasa call; the top bucket is the Rasa timeout's range.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Seconds a person waits for a counsellor, from half a minute to two hours.
HANDOFF_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0)

MESSAGES = Counter("sahayatri_messages_total", "Messages handled.", ["channel", "sender"])
RASA_FAILURES = Counter(
    "sahayatri_rasa_failures_total", "Times Rasa gave no reply and the safe fallback was sent."
)
NLG_FAILURES = Counter(
    "sahayatri_nlg_failures_total",
    "NLG requests answered with the safe fallback (unknown response, missing content, error).",
)
MESSAGE_SECONDS = Histogram(
    "sahayatri_message_handling_seconds",
    "Time to handle one inbound message, from receipt to stored replies.",
    ["channel"],
    buckets=LATENCY_BUCKETS,
)
RASA_SECONDS = Histogram(
    "sahayatri_rasa_call_seconds",
    "Time of one call to Rasa's REST webhook (including its NLG callbacks).",
    buckets=LATENCY_BUCKETS,
)
NLG_SECONDS = Histogram(
    "sahayatri_nlg_seconds", "Time to render one NLG response.", buckets=LATENCY_BUCKETS
)
HANDOFF_QUEUE = Gauge(
    "sahayatri_handoff_queue_length",
    "Conversations waiting for a counsellor (read from the database at every scrape).",
    ["urgent"],
)
HANDOFF_WAITING_SECONDS = Histogram(
    "sahayatri_handoff_waiting_seconds",
    "Time from asking for a counsellor to a counsellor claiming the chat.",
    buckets=HANDOFF_BUCKETS,
)
HANDOFF_FIRST_RESPONSE_SECONDS = Histogram(
    "sahayatri_handoff_first_response_seconds",
    "Time from a counsellor claiming a chat to their first reply.",
    buckets=HANDOFF_BUCKETS,
)
