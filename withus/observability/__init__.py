"""What operators see: Prometheus metrics and structured logs.

- :mod:`withus.observability.multiproc`: where the worker processes of one server keep their
  metric values (``PROMETHEUS_MULTIPROC_DIR``), set up by the app itself; imports nothing.
- :mod:`withus.observability.metrics`: every metric object, and the one-liners the places that
  count call (``metrics.login_failed()``), and the text ``GET /metrics`` answers.
- :mod:`withus.observability.logs`: one JSON object per line in production, readable lines in
  development; the access line of a request.
"""
