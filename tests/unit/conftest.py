"""Unit tests import the function's modules the way the Lambda runtime does: flat, from `lambda/`."""

import sys
from pathlib import Path

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"
if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))
