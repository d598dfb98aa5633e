"""The browser workspace (Gradio): handlers wire events to the facade; render turns records into HTML."""
