"""Custom NLU components of the Sahayatri model (loaded from nlu/ as the working directory)."""
