"""The HTTP model server (`carner serve-model`): a door over the registry's champion models."""
