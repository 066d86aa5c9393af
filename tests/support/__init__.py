"""Test support code shared by several test packages (servers the tests start themselves)."""
