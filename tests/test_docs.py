"""The README stays current with the code it documents."""

import argparse

import pytest

from modes.click import ClickOptions
from modes.outfit import OutfitOptions
from modes.portrait import PortraitOptions
from modes.pose import PoseOptions
from toolkit.motion.presets import PRESETS
from tests.conftest import REPO
from toolkit.motion.primitives import describe_motions
from toolkit.options import add_options

README = (REPO / "README.md").read_text()


def test_readme_quick_start_has_the_two_commands():
    assert "make example" in README and "make test" in README


def test_readme_documents_every_motion_with_its_description():
    for name, description in describe_motions().items():
        assert f"| `{name}` | {description} |" in README


@pytest.mark.parametrize("options_class", [ClickOptions, PoseOptions, PortraitOptions, OutfitOptions])
def test_readme_names_every_option(options_class):
    parser = argparse.ArgumentParser()
    add_options(parser, options_class)
    flags = [a.option_strings[0] for a in parser._actions if a.option_strings and a.option_strings[0] != "-h"]
    missing = [flag for flag in flags if f"`{flag}" not in README]
    assert not missing, f"README lacks {missing}"


def test_readme_lists_every_preset():
    for name in PRESETS:
        assert f"`{name}`" in README
