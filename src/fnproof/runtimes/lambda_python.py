"""Lambda Python runtime: each environment is `python lambda_python_driver.py HANDLER`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fnproof.errors import SetupError
from fnproof.runtimes.lambda_common import SYSTEM_PATH, LambdaRuntime

DRIVER = Path(__file__).resolve().parent / "lambda_python_driver.py"


class LambdaPythonRuntime(LambdaRuntime):
    name = "lambda-python"
    execution_env = "AWS_Lambda_python3.12"

    def __init__(self, *args: object, python: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.python = python or sys.executable

    def start(self) -> None:
        super().start()
        done = subprocess.run([self.python, "-c", "import boto3, sys; print(sys.version.split()[0])"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SetupError(f"{self.python} cannot import boto3 (the Lambda Python runtime provides it); "
                             f"pip install boto3 into that interpreter, or pass --python")
        self.python_version = done.stdout.strip()

    def driver_argv(self) -> tuple[str, ...]:
        # -I: isolated mode (no user site, no PYTHON* variables, script folder not on sys.path)
        return (self.python, "-I", "-u", str(DRIVER), str(self.handler_file), self.export)

    def extra_env(self) -> dict[str, str]:
        return {"PATH": os.path.dirname(self.python) + ":" + SYSTEM_PATH, "PYTHONDONTWRITEBYTECODE": "1"}
