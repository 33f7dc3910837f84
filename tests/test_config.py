"""TrainConfig: the presets are instances, every value is checked, unknown keys are refused."""

from __future__ import annotations

import dataclasses
import math

import pytest

from scratchnn import augment, weights
from scratchnn.config import PRESETS, TrainConfig


def test_the_presets_are_valid_configs_with_their_documented_values():
    assert set(PRESETS) == {"seed", "tiny", "default", "best"}
    seed = PRESETS["seed"]
    assert (seed.hidden, seed.init, seed.dtype, seed.epochs, seed.lr, seed.batch_size, seed.momentum) == (
        10, "uniform", "float64", 500, 0.10, None, 0.0,
    )  # fmt: skip
    assert PRESETS["best"].hidden == 800 and isinstance(PRESETS["best"].augment, augment.Augment)
    for name, config in PRESETS.items():
        assert (config.store_dtype or config.dtype) in weights.DTYPES, name


def test_a_config_is_frozen_and_varied_with_replace():
    tiny = PRESETS["tiny"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiny.hidden = 64  # type: ignore[misc]
    wider = dataclasses.replace(tiny, hidden=64)
    assert wider.hidden == 64 and tiny.hidden == 10 and wider.epochs == tiny.epochs


def test_a_misspelled_key_is_refused_with_the_closest_name():
    with pytest.raises(ValueError, match=r"unknown training setting 'momentun' \(did you mean 'momentum'\?\)"):
        TrainConfig.from_dict({"momentun": 0.5})
    with pytest.raises(ValueError, match="unknown training setting 'colour'"):
        TrainConfig.from_dict({"colour": "red"})


def test_to_dict_and_from_dict_round_trip_every_preset():
    for config in PRESETS.values():
        values = config.to_dict()
        assert values["augment"] is None or isinstance(values["augment"], dict)
        assert TrainConfig.from_dict(values) == config


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hidden": 0}, "hidden must be a whole number from 1 to 2,048"),
        ({"hidden": weights.MAX_HIDDEN + 1}, "hidden must be"),
        ({"hidden": 12.5}, "hidden must be"),
        ({"hidden": True}, "hidden must be"),
        ({"init": "zeros"}, "init must be one of"),
        ({"dtype": "float16"}, "dtype must be one of"),
        ({"epochs": 0}, "epochs must be"),
        ({"epochs": 2.0}, "epochs must be"),
        ({"lr": 0.0}, "learning rate"),
        ({"lr": -1.0}, "learning rate"),
        ({"lr": math.nan}, "learning rate"),
        ({"lr": math.inf}, "learning rate"),
        ({"lr": "0.1"}, "learning rate"),
        ({"batch_size": 0}, "batch_size must be"),
        ({"momentum": 1.0}, "momentum must be in"),
        ({"momentum": -0.1}, "momentum must be in"),
        ({"lr_decay": 0.0}, "lr_decay must be in"),
        ({"lr_decay": 1.5}, "lr_decay must be in"),
        ({"store_dtype": "int8"}, "store_dtype must be one of"),
        ({"augment": {"rotate": -1}}, "augment rotate must be"),
        ({"augment": {"spin": 3}}, "unknown augment settings"),
    ],
)
def test_every_value_that_makes_no_sense_is_refused(change, message):
    values = PRESETS["tiny"].to_dict() | change
    with pytest.raises(ValueError, match=message):
        TrainConfig.from_dict(values)
