"""`fnproof eval` and `fnproof grade`: generate handlers with the Anthropic API, extract them
from replies, find the handler, grade by conformance, and score."""
