"""What every command shares: --var/--json, settings, error exit codes, JSON, progress bar."""

from __future__ import annotations

import dataclasses
import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from archive.catalog import Catalog
from archive.config import Settings, load_settings, setting_help
from archive.errors import ArchiveError
from indexer.report import SilentReporter

DEFAULTS = {f.name: f.default for f in dataclasses.fields(Settings)}


def _shown(name: str) -> str:
    value = DEFAULTS[name]
    if isinstance(value, bool):  # a --x/--no-x switch
        return name.replace("_", "-") if value else "no-" + name.replace("_", "-")
    return str(value)


# Each setting's help with its Settings default (a DOCKET_* variable, when set, beats it).
HELP = {name: f"{text}  [default: {_shown(name)}]" for name, text in setting_help().items()}


def load(var: Path | None, **overrides) -> Settings:
    """Settings from the options given (None means: from DOCKET_* or the default)."""
    try:
        return load_settings({"var": var, **overrides})
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def var_option(func):
    return click.option("--var", "var", type=click.Path(file_okay=False, path_type=Path),
                        envvar="DOCKET_VAR", show_envvar=True,
                        help="Folder of the catalog and index (default: var/).")(func)


def json_option(func):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object instead of prose.")(func)


@contextmanager
def archive_errors():
    """Any archive error ends the command with its message and exit code 1."""
    try:
        yield
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def query_errors():
    """A refused or malformed query exits 2 with the reason; other archive errors exit 1."""
    try:
        yield
    except ArchiveError as exc:
        if exc.status == 400:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        raise click.ClickException(str(exc)) from exc


def open_catalog(settings: Settings) -> Catalog:
    """The read-only catalog; exit 1 saying how to build it when there is none."""
    with archive_errors():
        return Catalog(settings.catalog_path)


def print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def format_duration(seconds: float) -> str:
    """A rounded duration for people: "45 s", "4 min 10 s", "2 h 07 min"."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class BarReporter:
    """Shows a click progress bar per phase, labelled with the file in progress and the time
    left as the run estimates it (from the bytes and kinds of files left; click's own ETA
    would extrapolate from the average of the files so far)."""

    def __init__(self):
        self.bar = None
        self.left: float | None = None

    def _show(self, item: str | None) -> str:
        left = f"~{format_duration(self.left)} left  " if self.left is not None else ""
        return left + (item or "")[-40:]

    def phase(self, name: str, total: int) -> None:
        self.close()
        self.left = None
        if total:
            # Hashing and embedding cost alike per item: click's own ETA suits them.
            self.bar = click.progressbar(length=total, label=f"{name:<10}", file=sys.stderr,
                                         show_pos=True, show_eta=name != "extracting",
                                         item_show_func=self._show)
            self.bar.__enter__()

    def step(self, item: str, n: int = 1) -> None:
        if self.bar:
            self.bar.current_item = item
            self.bar.update(n)

    def working(self, item: str | None, seconds_left: float | None) -> None:
        if self.bar:
            self.left = seconds_left
            self.bar.update(0, item or "")

    def more(self, n: int) -> None:
        if self.bar:
            self.bar.length += n

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)
            self.bar = None


def reporter_for(quiet: bool):
    """A progress bar on a terminal; nothing when quiet or when stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return SilentReporter()
    return BarReporter()
