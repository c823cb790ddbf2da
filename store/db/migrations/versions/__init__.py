"""One revision per schema change, oldest first: 0001_baseline, then 0002_..., each frozen once released."""
