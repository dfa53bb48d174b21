"""Lambda Python runtime: each environment is `python lambda_python_driver.py HANDLER`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fnproof.core.errors import SetupError
from fnproof.conformance.runtimes.aws_lambda.common import SYSTEM_PATH, LambdaRuntime
from fnproof.conformance.services.python_env import ensure_lambda_python

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "python_driver.py"
REQUIREMENTS = HERE / "python_sdk" / "requirements.txt"


class LambdaPythonRuntime(LambdaRuntime):
    name = "lambda-python"
    execution_env = "AWS_Lambda_python3.12"

    def __init__(self, *args: object, python: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.python = python or ""  # '' = a venv with only what Lambda provides (boto3)

    def start(self) -> None:
        super().start()
        if not self.python:
            self.python = ensure_lambda_python(REQUIREMENTS, sys.executable)
            return
        done = subprocess.run([self.python, "-c", "import boto3, sys; print(sys.version.split()[0])"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SetupError(f"{self.python} cannot import boto3 (the Lambda Python runtime provides it); "
                             f"pip install boto3 into that interpreter, or pass --python")

    def driver_argv(self) -> tuple[str, ...]:
        # -I: isolated mode (no user site, no PYTHON* variables, script folder not on sys.path)
        return (self.python, "-I", "-u", str(DRIVER), str(self.handler_file), self.export)

    def extra_env(self) -> dict[str, str]:
        return {"PATH": os.path.dirname(self.python) + ":" + SYSTEM_PATH, "PYTHONDONTWRITEBYTECODE": "1"}


def prepare() -> str:
    """Build the handler venv now (for `fnproof setup`)."""
    return ensure_lambda_python(REQUIREMENTS, sys.executable)
