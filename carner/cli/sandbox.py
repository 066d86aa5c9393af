"""`carner sandbox serve`: run the local eBay-like sandbox site until Ctrl-C."""

from __future__ import annotations

import typer

from carner.cli.app import fail, sandbox_app

FAULTS_HELP = (
    "Faults to inject, comma-separated NAME:VALUE, e.g. '429:0.1,reset:0.05,block:2,disallow:/itm/'. "
    "Names: 429, 500, 503, slow, reset, truncate, block (VALUE: rate 0..1 with a decimal point, or an "
    "integer count of first requests), disallow:PATH (robots.txt rule), retry_after:S, slow_s:S."
)


@sandbox_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (keep 127.0.0.1 unless you mean it)."),
    port: int = typer.Option(8765, help="TCP port; 0 picks a free one."),
    listings: int = typer.Option(200, help="Number of generated listings the site holds."),
    seed: int = typer.Option(0, help="Seed of the listing generator and of the fault draws."),
    faults: str = typer.Option("", help=FAULTS_HELP),
    page_size: int = typer.Option(60, help="Results per search page (a request's _ipg overrides it)."),
    retry_after: int = typer.Option(1, help="Seconds in the Retry-After header of 429 answers."),
    slow_s: float = typer.Option(3.0, help="Seconds a 'slow' answer waits before it is sent."),
) -> None:
    """Serve generated car listings in eBay's markup on HOST:PORT until interrupted (Ctrl-C)."""
    from carner.scraper.sandbox.faults import FaultSpec
    from carner.scraper.sandbox.server import MAX_PAGE_SIZE, SandboxServer

    if listings < 0:
        raise fail(f"--listings must be >= 0, got {listings}")
    if not 0 <= port <= 65535:
        raise fail(f"--port must be in 0..65535, got {port}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise fail(f"--page-size must be in 1..{MAX_PAGE_SIZE}, got {page_size}")
    try:
        spec = FaultSpec.parse(faults, retry_after_s=retry_after, slow_s=slow_s)
    except ValueError as exc:
        raise fail(f"--faults: {exc}") from None
    site = SandboxServer(
        n_listings=listings, seed=seed, faults=spec, host=host, port=port, page_size=page_size
    )
    try:
        site.start()
    except OSError as exc:
        reason = "port already in use" if port and exc.errno in (98, 48, 10048) else exc.strerror or str(exc)
        raise fail(f"cannot listen on {host}:{port}: {reason}") from None
    typer.echo(f"Sandbox serving {len(site.listings)} listings at {site.base_url} (Ctrl-C to stop)")
    if spec:
        typer.echo(f"Faults: {faults}")
    try:
        site.serve_forever()
    except KeyboardInterrupt:
        typer.echo("Sandbox stopped.")
    finally:
        site.stop()
