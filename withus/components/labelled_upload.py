"""``rx.upload`` whose file input has a name.

Reflex builds the dropzone's ``<input type="file">`` itself with no way to pass it props, and
react-dropzone keeps it in the page visually hidden: screen readers and axe find an unnamed form
field. The label goes onto that input after the component is built.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.components.component import Component


def _file_inputs(component: Component) -> list[Component]:
    found = [component] if type(component).__name__ == "Input" and str(getattr(component, "type", "")) else []
    for child in component.children:
        found.extend(_file_inputs(child))
    return found


def name_file_input(upload: rx.Component, label: rx.Var[str] | str) -> rx.Component:
    """Gives the file input inside an ``rx.upload`` / ``rx.upload.root`` its accessible name."""
    inputs = _file_inputs(upload)
    if len(inputs) != 1:
        raise RuntimeError(f"rx.upload's file input not found ({len(inputs)} inputs): Reflex changed")
    inputs[0].custom_attrs["aria-label"] = label
    return upload


def labelled_upload(*children: Any, label: rx.Var[str] | str, **props: Any) -> rx.Component:
    return name_file_input(rx.upload(*children, **props), label)
