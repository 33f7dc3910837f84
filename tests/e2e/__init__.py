"""End-to-end tests, a package so that their module names (e2e.test_*) never collide with the
unit tests' (tests/test_training.py beside tests/e2e/test_training.py)."""
