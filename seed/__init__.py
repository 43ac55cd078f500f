"""Demo data and demo users: realistic, deterministic Chinese rows for a first start, tests and benchmarks."""
