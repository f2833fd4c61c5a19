"""The web layer: FastAPI app for webhooks, the admin API and (later) the console."""
