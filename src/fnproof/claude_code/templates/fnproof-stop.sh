#!/bin/sh
# Claude Code's Stop hook for fnproof: finds the kit, then runs `fnproof hook stop`.
# A hook whose kit is missing must not look like a pass, so that case is said to the person.
# Where the kit is looked for, in order: $FNPROOF_BIN; the plugin's own install in
# $CLAUDE_PLUGIN_DATA/venv; `fnproof` on PATH; the project's .venv.
# Without arguments (the plugin), the target, profile and contract come from the plugin's
# options (CLAUDE_PLUGIN_OPTION_TARGET, _PROFILE, _CONTRACT).
kit=""
if [ -n "${FNPROOF_BIN:-}" ]; then
  kit="$FNPROOF_BIN"
elif [ -n "${CLAUDE_PLUGIN_DATA:-}" ] && [ -x "$CLAUDE_PLUGIN_DATA/venv/bin/fnproof" ]; then
  kit="$CLAUDE_PLUGIN_DATA/venv/bin/fnproof"
elif command -v fnproof >/dev/null 2>&1; then
  kit="fnproof"
elif [ -n "${CLAUDE_PROJECT_DIR:-}" ] && [ -x "$CLAUDE_PROJECT_DIR/.venv/bin/fnproof" ]; then
  kit="$CLAUDE_PROJECT_DIR/.venv/bin/fnproof"
fi
if [ -z "$kit" ]; then
  printf '%s\n' '{"systemMessage": "fnproof Stop hook: the fnproof kit is not installed here (not in FNPROOF_BIN, the plugin data folder, PATH or .venv), so the handler was NOT checked. Install it (pip install fnproof) or set FNPROOF_BIN."}'
  exit 0
fi
if [ "$#" -eq 0 ]; then
  set -- --target "${CLAUDE_PLUGIN_OPTION_TARGET:-src/handler.mjs}" --profile "${CLAUDE_PLUGIN_OPTION_PROFILE:-production}"
  if [ -n "${CLAUDE_PLUGIN_OPTION_CONTRACT:-}" ]; then
    set -- "$@" --contract "$CLAUDE_PLUGIN_OPTION_CONTRACT"
  fi
fi
exec "$kit" hook stop "$@"
