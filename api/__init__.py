"""FastAPI adapter: one package per audience (nlg, widget, ...) over core/."""
