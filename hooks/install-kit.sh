#!/bin/sh
# The fnproof plugin's first run: install the kit into the plugin's data folder, so the Stop
# hook never depends on what is on PATH. It installs again when the plugin's version or the
# `kit` option changes, and says in one line what it did or why it could not.
data="${CLAUDE_PLUGIN_DATA:-}"
root="${CLAUDE_PLUGIN_ROOT:-}"
if [ -z "$data" ] || [ -z "$root" ]; then
  echo '{"systemMessage": "fnproof plugin: CLAUDE_PLUGIN_DATA or CLAUDE_PLUGIN_ROOT is not set; the kit was not installed"}'
  exit 0
fi
spec="${CLAUDE_PLUGIN_OPTION_KIT:-}"
if [ -z "$spec" ]; then
  spec="$root"
fi
want="0.1.0 $spec"
venv="$data/venv"
if [ -x "$venv/bin/fnproof" ] && [ "$(cat "$venv/.fnproof-installed" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
python="$(command -v python3 || true)"
if [ -z "$python" ]; then
  echo '{"systemMessage": "fnproof plugin: python3 (3.11 or newer) is not on PATH; the kit was not installed and the Stop hook will say so"}'
  exit 0
fi
mkdir -p "$data"
log="$data/install.log"
if "$python" -m venv "$venv" >"$log" 2>&1 \
  && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec" >>"$log" 2>&1 \
  && "$venv/bin/fnproof" setup >>"$log" 2>&1; then
  printf '%s\n' "$want" >"$venv/.fnproof-installed"
  echo '{"systemMessage": "fnproof plugin: the kit is installed in the plugin data folder"}'
else
  echo '{"systemMessage": "fnproof plugin: installing the kit failed; see install.log in the plugin data folder"}'
fi
