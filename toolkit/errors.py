"""Errors the command line turns into exit codes."""


class InputError(Exception):
    """Bad user input (missing or corrupt file, bad option value).

    The CLI prints the message as one line on stderr and exits with code 2.
    The message must be a complete sentence a user can act on, without a traceback.
    """
