"""Annotation: label schema, distant-supervision pre-annotation, doccano bridge, task selection."""
