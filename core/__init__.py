"""Sahayatri core: the domain shared by the Telegram adapter (bot/) and the web API (api/)."""
