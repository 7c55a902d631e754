"""Load tests of residents' journeys with Locust (used as a library, headless): see docs/benchmarks.md,
"Click day"."""
