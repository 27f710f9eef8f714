"""Serves the flow from SOURCE_DIR/flow.py: `python serve.py SOURCE_DIR NAME` (runs until stopped)."""

import sys

sys.path.insert(0, sys.argv[1])

from flow import fn  # noqa: E402

if __name__ == "__main__":
    fn.serve(name=sys.argv[2], print_starting_message=True)
