"""Run the docket command line as `python -m cli`."""

from cli import run

run()
