"""Lambda Python runtime: each environment is `python python_driver.py HANDLER`.

The interpreter is the one `--python` names (a path, or a version such as 3.13 found on this
machine), else the version the function's SAM template names where this machine has it,
else the kit's own; every report says which ran and how it differs from the template's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fnproof.conformance.runtimes import discovery
from fnproof.conformance.runtimes.aws_lambda import declared
from fnproof.conformance.runtimes.aws_lambda.common import LambdaRuntime, builder
from fnproof.conformance.runtimes.base import RunOptions, RuntimeSpec
from fnproof.conformance.services.python_env import ensure_lambda_python, find_python, version_of
from fnproof.core import defaults
from fnproof.core.errors import SetupError

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "python_driver.py"
REQUIREMENTS = HERE / "python_sdk" / "requirements.txt"


class LambdaPythonRuntime(LambdaRuntime):
    name = "lambda-python"
    execution_env = "AWS_Lambda_python3.12"

    def __init__(self, *args: object, python: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._choice = python or ""  # '' = the template's version where the machine has it, else the kit's
        self.python = ""

    @classmethod
    def own_options(cls, options: RunOptions) -> dict[str, Any]:
        return {"python": options.python} if options.python else {}

    def start(self) -> None:
        super().start()
        template = declared.template_runtime(self.handler_file, "python")
        wanted = template.value.removeprefix("python") if template else None
        if template is not None:
            self.execution_env = f"AWS_Lambda_{template.value}"
        if self._choice and not re.fullmatch(r"3\.\d+", self._choice):
            self.python = self._choice  # an interpreter the user named: used as it is
            done = subprocess.run([self.python, "-c", "import boto3, sys; print(sys.version.split()[0])"],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise SetupError(f"{self.python} cannot import boto3 (the Lambda Python runtime provides it); "
                                 f"pip install boto3 into that interpreter, or pass --python VERSION")
            self.platform = self._describe(done.stdout.strip(), f"{self.python}, as given", template)
            return
        minor = self._choice or wanted
        base = find_python(minor) if minor else None
        if self._choice and base is None:
            raise SetupError(f"no Python {self._choice} on this machine (looked on PATH and in pyenv's builds); "
                             f"pass --python with an interpreter's path")
        how = "--python" if self._choice else "the template's runtime" if base else "the kit's interpreter"
        self.python = ensure_lambda_python(REQUIREMENTS, base or sys.executable)
        version = version_of(base or sys.executable) or "?"
        self.platform = self._describe(version, f"{how}, in a venv with only pinned boto3", template)

    @staticmethod
    def _describe(version: str, how: str, template: declared.Declared | None) -> str:
        text = f"Python {version} ({how})"
        if template is None:
            return text + "; no SAM template names a Lambda Python runtime"
        minor = ".".join(version.split(".")[:2])
        if template.value == f"python{minor}":
            return text + f"; matches {template.value} at {template.where}"
        why = "--python chose another" if "--python" in how or "as given" in how else \
            "no such interpreter here; --python VERSION|EXE picks one"
        return text + f"; differs from {template.value} at {template.where}: Lambda would run " \
            f"{template.value.removeprefix('python')} ({why})"

    def driver_argv(self, workdir: Path) -> tuple[str, ...]:
        # -I: isolated mode (no user site, no PYTHON* variables, script folder not on sys.path)
        return (self.python, "-I", "-B", "-u", str(DRIVER), str(self.handler_file), self.export)

    def readable(self) -> tuple[Path, ...]:
        # the venv (or interpreter) and the installation its python links to
        venv = Path(self.python).parent.parent
        return (*super().readable(), venv, Path(os.path.realpath(self.python)).parent.parent)

    def extra_env(self) -> dict[str, str]:
        return {"PATH": os.path.dirname(self.python) + ":" + defaults.SYSTEM_PATH, "PYTHONDONTWRITEBYTECODE": "1"}


PY_NAMES = ("handler.py", "app.py", "lambda_function.py")
_PY_DEF = re.compile(r"^(?:async\s+)?def\s+(handler|lambda_handler)\s*\(", re.M)


def _recognise(path: Path) -> str | None:
    return "a .py file" if path.is_file() and path.suffix == ".py" else None


def _find_handler(root: Path, files: Sequence[Path]) -> discovery.Found | None:
    code = [p for p in discovery.not_tests(root, files) if p.suffix == ".py"]
    defines = [p for p in code if _PY_DEF.search(discovery.read(p))]
    return (discovery.pick(root, [p for p in defines if p.name in PY_NAMES], "defines the handler")
            or discovery.pick(root, defines, "defines handler or lambda_handler")
            or discovery.pick(root, [p for p in code if p.name in PY_NAMES], "by its name (defines no handler)"))


def _setup() -> str:
    """Build the handler venv now (for `fnproof setup`)."""
    return f"boto3 environment ready in {ensure_lambda_python(REQUIREMENTS, sys.executable)}"


SPEC = RuntimeSpec(
    name="lambda-python",
    summary="AWS Lambda, Python: file.py or file.py:function (handler, then lambda_handler)",
    build=builder(LambdaPythonRuntime, ""),  # '' = handler, then lambda_handler
    recognise=_recognise,
    folder_entries=("app.py", "handler.py", "lambda_function.py"),
    find_handler=_find_handler,
    looked_for=f"no {'/'.join(PY_NAMES)} or .py file defining handler",
    setup=_setup,
    default_target="src/handler.py",
)
