"""The ``earlyhelp`` command line."""
from __future__ import annotations

import sys
from typing import Optional

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="earlyhelp")
def cli() -> None:
    """earlyhelp: Early Help analytics for English children's services."""


@cli.command()
@click.option("--preset", default="coventry", show_default=True, help="Synthetic council preset.")
@click.option("--years", default=5, show_default=True, type=int, help="Years of history to generate.")
@click.option("--scale", default=1.0, show_default=True, type=float, help="Population scale factor.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Write the tables as Parquet here.")
def demo(preset: str, years: int, scale: float, seed: int, out: Optional[str]) -> None:
    """Generate a synthetic council, validate it and compare it with published figures."""
    from .. import synthetic
    from ..data import write_dataset

    ds = synthetic.council(preset=preset, years=years, scale=scale, seed=seed)
    ds.validate()
    click.echo(f"Synthetic council '{preset}' ({years} years, scale {scale}, seed {seed}): valid.")
    click.echo(repr(ds))
    table = synthetic.calibration_table(ds)
    click.echo(table.to_string(index=False))
    if out:
        files = write_dataset(ds, out, format="parquet")
        click.echo(f"Wrote {len(files)} tables to {out}", err=True)


def main(argv: Optional[list] = None) -> int:
    try:
        cli.main(args=argv, standalone_mode=True)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
