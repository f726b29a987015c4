"""Custom actions of the Sahayatri assistant (rasa-sdk, Python 3.10)."""
