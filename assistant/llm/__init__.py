"""Chat-model backends (OpenAI-compatible endpoint, local GGUF via llama-cpp-python, scripted fake) and the offline model install."""
