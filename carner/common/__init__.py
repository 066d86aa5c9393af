"""Small helpers every floor may use: atomic files, redaction of secrets, settings from the environment."""
