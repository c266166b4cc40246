"""The 全景图 in the page with clickable cards: the same picture as the PNG export (FEEDS arrows and all),
drawn as a Vega-Lite image with one transparent rectangle over each card.  A click selects the card's
segment (Streamlit's chart selection), so no second drawing of the cards is needed."""
from __future__ import annotations

import base64
import struct

import pandas as pd
import streamlit as st

SELECTION = "card"          # the chart's selection parameter: the clicked card's segment
HIGHLIGHT = "#1f6feb"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its IHDR chunk."""
    return struct.unpack(">II", png[16:24])


def chart(png: bytes, boxes: dict[str, tuple[float, float, float, float]], names: dict[str, str],
          chosen: str | None, hint: str):
    """The picture at its own pixel size with the card rectangles over it (y grows downwards, as in
    the picture); the chosen card framed."""
    import altair as alt
    width, height = png_size(png)
    x_scale = alt.Scale(domain=[0, width], nice=False, zero=False)
    y_scale = alt.Scale(domain=[height, 0], nice=False, zero=False)   # reversed: 0 at the top
    picture = alt.Chart(pd.DataFrame({"x": [0], "y": [0],
                                      "url": ["data:image/png;base64," + base64.b64encode(png).decode("ascii")]}))
    picture = picture.mark_image(width=width, height=height, align="left", baseline="top").encode(
        x=alt.X("x:Q", scale=x_scale, axis=None), y=alt.Y("y:Q", scale=y_scale, axis=None), url="url:N")
    cards = pd.DataFrame([{"segment": s, "name": names.get(s, s), "tip": f"{names.get(s, s)}: {hint}", "chosen": s == chosen,
                           "x0": x0, "x1": x1, "y0": y0, "y1": y1} for s, (x0, y0, x1, y1) in boxes.items()])
    pick = alt.selection_point(name=SELECTION, fields=["segment"], on="click", empty=False)
    # Nearly transparent, not transparent: Vega does not hit-test an element without fill.
    rects = alt.Chart(cards).mark_rect(cursor="pointer", fill="white", fillOpacity=0.01, cornerRadius=6).encode(
        x=alt.X("x0:Q", scale=x_scale, axis=None), x2="x1:Q",
        y=alt.Y("y0:Q", scale=y_scale, axis=None), y2="y1:Q",
        stroke=alt.condition("datum.chosen", alt.value(HIGHLIGHT), alt.value("transparent")),
        strokeWidth=alt.value(4),
        tooltip=alt.Tooltip("tip:N"),
    ).add_params(pick)
    # autosize "none" at the top level: Streamlit "fits" a chart without one, which shrinks the plot
    # under the fixed-size picture and moves the rectangles off their cards
    return (picture + rects).properties(width=width, height=height, autosize="none", padding=0) \
        .configure_view(stroke=None)


def clicked(event) -> str | None:
    """The segment of the card the user clicked, from st.altair_chart's return value."""
    points = (event or {}).get("selection", {}).get(SELECTION) or []
    return points[0].get("segment") if points else None


def show(png: bytes, boxes: dict, names: dict[str, str], chosen: str | None, hint: str, key: str) -> str | None:
    """Draws the clickable picture; returns the clicked card's segment (None before any click)."""
    event = st.altair_chart(chart(png, boxes, names, chosen, hint), width="content", theme=None,
                            on_select="rerun", selection_mode=[SELECTION], key=key)
    return clicked(event)
