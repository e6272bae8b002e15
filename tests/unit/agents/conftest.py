"""Some tests here import ACA-Py, which applies nest_asyncio's global asyncio patch at import. Agents
run without it (agents/launcher.py), and so does this test process: the patch would replace
`asyncio.run` and asyncio's C Task for every later test."""

from agents.launcher import _without_nested_loops

_without_nested_loops()
