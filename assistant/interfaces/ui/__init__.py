"""The browser workspace (Gradio): ``handlers`` call the facade, ``render`` turns records into HTML, ``exports``
writes Markdown and CSV files, ``layout`` builds the Blocks and wires events to the handlers.

``from assistant.interfaces import ui`` gives the handlers and ``build_ui`` / ``launch_options`` in one place.
"""
from assistant.interfaces.ui.exports import export_answer
from assistant.interfaces.ui.handlers import *  # noqa: F401,F403  (the handlers are the workspace's API)
from assistant.interfaces.ui.handlers import GENERATING, respond, respond_stream  # noqa: F401
from assistant.interfaces.ui.layout import build_ui, launch_options

__all__ = ["build_ui", "launch_options", "export_answer", "respond", "respond_stream", "GENERATING"]
