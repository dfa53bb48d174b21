"""Lambda Node.js runtime: each environment is `node lambda_node_driver.mjs HANDLER`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from fnproof.conformance.runtimes.aws_lambda.common import LambdaRuntime, node_dir_on_path
from fnproof.conformance.services.node_packages import ensure_installed, node_binary

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "node_driver.mjs"
SDK_PACKAGE = HERE / "node_sdk"


class LambdaNodeRuntime(LambdaRuntime):
    name = "lambda-node"
    execution_env = "AWS_Lambda_nodejs20.x"

    def start(self) -> None:
        super().start()
        self._node = node_binary()
        self._sdk = ensure_installed(SDK_PACKAGE, "the AWS SDK for JavaScript v3")

    def driver_argv(self) -> tuple[str, ...]:
        heap = max(64, self.memory_mb - 64)
        return (self._node, "--no-warnings", f"--max-old-space-size={heap}", str(DRIVER),
                str(self.handler_file), self.export, str(self._sdk))

    def extra_env(self) -> dict[str, str]:
        return {"NODE_PATH": str(self._sdk / "node_modules"), "PATH": node_dir_on_path(self._node)}

    def syntax_location(self) -> str | None:
        # Node 20 reports ESM syntax errors without a location; `node --check` prints it.
        done = subprocess.run([self._node, "--check", str(self.handler_file)], capture_output=True, text=True,
                              timeout=10, env={"PATH": node_dir_on_path(self._node)})
        match = re.match(r"^(.+):(\d+)$", (done.stderr or "").splitlines()[0] if done.stderr else "")
        return f"{match.group(1)}:{match.group(2)}" if match else None
