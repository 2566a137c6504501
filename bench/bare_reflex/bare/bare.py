"""One page, one button, one counter: the smallest Reflex event round trip."""

import reflex as rx


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def increment(self) -> None:
        self.count += 1


def index() -> rx.Component:
    # Plain HTML elements: no component library, the least a Reflex page can render.
    return rx.el.main(
        rx.el.button("+1", id="bump", on_click=CounterState.increment),
        rx.el.p(CounterState.count, id="count"),
    )


app = rx.App()
app.add_page(index)
