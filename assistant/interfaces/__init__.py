"""Front-ends: the CLI, the HTTP API and the browser workspace; they talk only to the facade (assistant.assistant)."""
