"""`cadres app`: an interactive page on the Mesa model (Mesa's SolaraViz).

- `catalogue.py`: the scenario files the page offers (no Solara needed);
- `model.py`: `AppModel`, the `TurnoverModel` the page drives, with a
  second scenario stepped beside it on the same seed;
- `figures.py`: the page's matplotlib figures of a running model;
- `components.py`: the Solara components showing them;
- `page.py`: the SolaraViz page that `solara run` serves;
- `command.py`: the `cadres app` subcommand, which starts it.

Only `command.py` and `catalogue.py` are imported by `cadres` itself;
Solara and Mesa's visualisation (the `[app]` extra) are imported when the
page is served.
"""
