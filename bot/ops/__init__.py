"""Running the bot: the web server, health, metrics, logs, the data lock, the Bot API client.

Owns what an operator sees and what keeps one process safe: the aiohttp server for the webhook,
``/healthz`` and ``/metrics`` (``web``, ``health``, ``metrics``) and the web feeds
(``feeds``), log setup and token redaction (``logs``), one bot per database (``lockfile``),
command floods (``flood``) and PTB's requests over aiohttp (``tgrequest``). May import:
``bot.config``, ``bot.store`` and below (``bot.render``: the feeds). Never the handlers or the
sender.
"""
