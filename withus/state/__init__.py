"""Reflex state: thin classes that call the services. Each inherits ``rx.State`` directly."""
