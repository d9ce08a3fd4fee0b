"""The `animate` command: one subcommand per installed mode, options generated from dataclasses."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from toolkit.errors import InputError
from toolkit.options import add_options, options_from_args
from toolkit.plugins import load_modes
from toolkit.progress import ProgressBar

log = logging.getLogger("toolkit")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D102 - argparse hook
        raise InputError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log what each stage does")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show a traceback for internal errors")
    parser = _Parser(prog="animate", description="Turn one image into a short video.", parents=[common])
    commands = parser.add_subparsers(dest="command", metavar="MODE", parser_class=_Parser)
    for name, mode in load_modes().items():
        sub = commands.add_parser(name, help=mode.summary, description=mode.summary, parents=[common],
                                  epilog=getattr(mode, "epilog", None))
        sub.add_argument("image", type=Path, nargs="?", help="source image (JPEG, PNG, WebP, BMP or TIFF)")
        sub.add_argument("-o", "--output", type=Path, required=True,
                         help="output: .mp4/.mov/.mkv, .gif, .webp or a PNG pattern like frames/%%04d.png "
                              "(outfit mode also writes a still .png or .jpg)")
        add_options(sub, mode.options_class)
        sub.set_defaults(mode=mode)
    add_demo_command(commands, common)
    add_weights_command(commands, common)
    return parser


def add_demo_command(commands, common: argparse.ArgumentParser) -> None:
    """`animate demo`: the Gradio app, its flags made from demos.settings.DemoSettings."""
    from demos.settings import DemoSettings

    summary = "start the web demo (a Gradio app with a tab per mode) on this machine"
    demo = commands.add_parser("demo", help=summary, description=summary, parents=[common])
    add_options(demo, DemoSettings)
    demo.set_defaults(mode=None)


def add_weights_command(commands, common: argparse.ArgumentParser) -> None:
    """`animate weights list | fetch | verify | path`: the registry of checkpoints and their cache."""
    from weights.cli import add_weights_command as add

    add(commands, common)


def run_demo(args: argparse.Namespace) -> int:
    """Serve the demo until it is stopped."""
    from demos.app import serve
    from demos.settings import DemoSettings

    serve(options_from_args(DemoSettings, args))
    return 0


def run(argv: list[str] | None = None) -> int:
    """Parse arguments and render; returns the process exit code."""
    from toolkit.pipeline import write_outputs

    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", False)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "demo":
        return run_demo(args)
    if args.command == "weights":
        from weights.cli import run_weights

        return run_weights(args)
    options = options_from_args(args.mode.options_class, args)
    if getattr(options, "export_pose", None) is not None:  # pose mode's --export-pose replaces the render
        options.validate()
        written = args.mode.export_pose(options, args.output)
        log.info("wrote %s", written)
        return 0
    if args.image is None:
        raise InputError(f"animate {args.command}: the source IMAGE is required")
    outputs = write_outputs(args.mode, args.image, args.output, options, progress=ProgressBar())
    if outputs.render is None:
        for written in outputs.files:
            log.info("wrote %s", written)
    else:
        result = outputs.render
        log.info("wrote %s: %d frames, %dx%d at %g fps", result.output, result.frames, *result.size, result.fps)
    return 0


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input exits 2 with one line, internal errors exit 1."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        code = run(argv)
    except InputError as exc:
        print(f"animate: error: {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("animate: interrupted", file=sys.stderr)
        code = 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            raise
        print(f"animate: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)",
              file=sys.stderr)
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    main()
