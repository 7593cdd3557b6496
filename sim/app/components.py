"""The page's Solara components: the month and the numbers of both runs, and the figures.

Each takes the model (SolaraViz passes it) and redraws when SolaraViz
steps it (`mesa.visualization.utils.update_counter`). A figure is drawn
once per month of the runs, not at every render of the page.

The status card marks its values for scripts and tests: the date is the
element of class `cadres-date`, each number a cell with `data-run`
("chosen" or "comparison") and `data-measure` (a model reporter's name).
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable

import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from sim.app import figures
from sim.app.model import AppModel

DPI = 80  # the figures' resolution on the page: sharp enough at their size, and quick to draw every month

# Rows of the status card: model reporter (sim/mesa/reporters.py), label, format
MEASURES = (
    ("serving", "staff in post", "{:.0f}"),
    ("vacant_posts", "vacant posts", "{:.0f}"),
    ("new_generation_share", "new generation, share of all staff", "{:.0%}"),
    ("elite_new_generation_share", "new generation, share of elite posts", "{:.0%}"),
    ("purged", "purged in service so far", "{:.0f}"),
)


def _months(model: AppModel) -> tuple[int, ...]:
    """What a redraw depends on: the model object and how far each run has gone."""
    runs = [model] + ([model.comparison] if model.comparison is not None else [])
    return (id(model), *(run.engine.month for run in runs))


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def chart(draw: Callable[[AppModel], Figure]) -> Callable:
    """A component showing `draw(model)` (a function of `sim.app.figures`), redrawn when the runs step."""

    @solara.component
    def Chart(model: AppModel) -> None:
        update_counter.get()
        image = solara.use_memo(lambda: _png(draw(model)), dependencies=[_months(model)])
        solara.Image(image, format="png", width="100%", classes=[f"cadres-figure-{draw.__name__}"])

    Chart.__name__ = f"Chart_{draw.__name__}"
    return Chart


def _value(template: str, value: object) -> str:
    try:
        return template.format(value)
    except (TypeError, ValueError):
        return "n/a"


@solara.component
def Status(model: AppModel) -> None:
    """The month about to be simulated, the runs' numbers side by side, and the parameters in force."""
    update_counter.get()
    runs = [("chosen", model.scenario_name, model)]
    if model.comparison is not None:
        runs.append(("comparison", model.comparison_name, model.comparison))
    latest = {role: run.datacollector.get_model_vars_dataframe().iloc[-1] for role, _, run in runs}
    scenario = model.scenario_config
    head = "".join(f"<th>{html.escape(name)}</th>" for _, name, _ in runs)
    rows = "".join(
        f"<tr><td>{label}</td>"
        + "".join(
            f'<td data-run="{role}" data-measure="{measure}">{_value(template, latest[role][measure])}</td>'
            for role, _, _ in runs
        )
        + "</tr>"
        for measure, label, template in MEASURES
    )
    settings = "".join(
        f"<li><b>{html.escape(s.name)}</b>: {html.escape(s.value)} <i>{html.escape(s.note)}</i></li>" for s in model.settings
    )
    state = "running" if model.running else "at the horizon"
    solara.HTML(
        unsafe_innerHTML=(
            f'<div style="font-size: 1.6em">Month <span class="cadres-date">{model.date}</span></div>'
            f"<div>{html.escape(scenario.title)}: {scenario.time.start} to {scenario.time.end}, "
            f'seed {model.seed_used}, <span class="cadres-state">{state}</span></div>'
            "<style>.cadres-status td, .cadres-status th { padding: 0 0.8em 0 0; text-align: left }</style>"
            f'<table class="cadres-status" style="margin: 0.5em 0"><tr><th></th>{head}</tr>{rows}</table>'
            f'<ul style="font-size: 0.9em">{settings}</ul>'
            '<div style="font-size: 0.9em">A changed control takes effect on Reset.</div>'
            '<div style="font-size: 0.9em">Both runs share the seed: they draw the same random numbers wherever '
            "their rules agree (common random numbers), so their differences are the scenarios', not chance's.</div>"
        )
    )


COMPONENTS = (
    Status,
    chart(figures.comparison),
    chart(figures.cohort_composition),
    chart(figures.headcount),
    chart(figures.purge_exits),
)
