"""A local eBay-like site: a seeded generator of car listings with gold spans, eBay-markup rendering,
switchable faults and a threaded HTTP server on 127.0.0.1 (for the demo, tests and benchmarks)."""
