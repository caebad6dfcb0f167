"""The pages' browser tests commit (a live server, several connections): they use the workbench
tests' own database (tests/workbench/conftest.py)."""
from tests.workbench.conftest import workbench_engine, workbench_resources, workbench_settings  # noqa: F401
