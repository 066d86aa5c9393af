"""Training: the step list and its plan, and the stage functions it runs (dataset to evaluation)."""
