"""The registry checks a family's shape when it loads, and finds families by name or file."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from grader.errors import FamilyError, ParamsError, SpaceError
from grader.problems import get_family, load_family_file
from grader.problems.registry import families, load_family_module
from tests.conftest import DOUBLE_FAMILY
from tests.problems import fakes


def test_a_complete_module_registers():
    family = load_family_module(fakes.module())
    assert family.name == "running_sum" and family.summary.startswith("Running sums")


@pytest.mark.parametrize("missing", ["Params", "Space", "generate", "ANSWER", "solve", "mistakes", "STATEMENT", "SOLUTION"])
def test_a_missing_piece_is_an_error_naming_it(missing):
    with pytest.raises(FamilyError, match=f"running_sum.*missing {missing}"):
        load_family_module(fakes.module(**{missing: None}))


def test_a_malformed_piece_is_an_error_saying_what_is_wrong():
    with pytest.raises(FamilyError, match="ANSWER must be one of"):
        load_family_module(fakes.module(ANSWER="table"))
    with pytest.raises(FamilyError, match="Params must subclass FamilyParams"):
        load_family_module(fakes.module(Params=dict))
    with pytest.raises(FamilyError, match="degenerate, when given, must be a function; too_big_by_hand, when given"):
        load_family_module(fakes.module(degenerate="no", too_big_by_hand=4))


def test_unknown_family_lists_the_known_ones():
    with pytest.raises(FamilyError, match="unknown family 'conv_outptu_shape'; known: .*conv_output_shape"):
        get_family("conv_outptu_shape")


def test_bad_params_are_one_line_errors_naming_the_field():
    family = get_family("conv_output_shape")
    with pytest.raises(ParamsError) as info:
        family.params({"input_size": 8, "kernel_size": 3, "strides": 2})
    assert str(info.value) == "conv_output_shape: strides: unknown key (check the spelling)"
    with pytest.raises(ParamsError, match="kernel_size: the dilated kernel"):
        family.params({"input_size": 4, "kernel_size": 3, "dilation": 2})
    with pytest.raises(ParamsError, match="stride: must be at least 1"):
        family.params({"input_size": 8, "kernel_size": 3, "stride": 0})


def test_an_impossible_space_is_a_space_error():
    family = get_family("conv_output_shape")
    with pytest.raises(SpaceError, match=r"^conv_output_shape space: no valid parameters in 500 draws with input_size = 3, kernel_size = \[7\], padding = 0 \(last: kernel_size"):
        family.space({"input_size": 3, "kernel_size": [7], "padding": 0})  # said once, not once per value
    space = family.space({"input_size": 3})
    with pytest.raises(SpaceError, match="no valid parameters"):
        family.sample(np.random.default_rng(0), space.model_copy(update={"kernel_size": [7], "padding": 0}))


def test_space_overrides_are_validated():
    with pytest.raises(ParamsError, match="conv_output_shape space: strde: unknown key"):
        get_family("conv_output_shape").space({"strde": [1, 2]})


def test_a_custom_family_file_loads(tmp_path):
    path = tmp_path / "doubling.py"
    path.write_text(DOUBLE_FAMILY)
    family = load_family_file(path)
    assert family.name == "doubling" and family.answer(family.params({"n": 4})) == 8


def test_a_custom_family_file_that_fails_to_import_is_one_line(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import not_a_module_anywhere\n")
    with pytest.raises(FamilyError, match="broken.py failed to import: ModuleNotFoundError"):
        load_family_file(path)


def test_parameters_compare_by_their_fields_even_once_solved():
    family = get_family("conv_output_shape")
    solved, fresh = (family.params({"input_size": 8, "kernel_size": 3}) for _ in range(2))
    family.answer(solved)
    assert solved == fresh and solved != family.params({"input_size": 9, "kernel_size": 3})


@pytest.mark.parametrize(("overrides", "says"), [
    ({"stride": [0, 2, 4]}, r"stride: 0 is never drawn \(stride: must be at least 1"),
    ({"kernel_size": [3, 300]}, r"kernel_size: 300 is never drawn \(kernel_size: the dilated kernel \(300\) is larger than the padded input"),
    ({"padding": {"min": 0, "max": 200_000}}, r"padding: 200000 is never drawn \(padding: must be at least 0 \(and at most 100000\)\)"),
    ({"in_channels": 0}, r"no valid parameters in 500 draws with in_channels = 0 \(last: in_channels: Input should be greater than or equal to 1\)"),
])
def test_a_space_value_that_can_never_be_drawn_is_an_error_naming_it(overrides, says):
    # before, draws with it were silently rejected and redrawn: stride = [0, 2, 4] drew only 2 and 4
    with pytest.raises(SpaceError, match=r"^conv_output_shape space: " + says):
        get_family("conv_output_shape").space(overrides)


def test_a_sound_space_is_checked_once_a_process_and_a_bad_one_every_time(monkeypatch):
    family = get_family("conv_output_shape")
    draws = []
    real = type(family)._draw
    monkeypatch.setattr(type(family), "_draw", lambda self, rng, space: draws.append(1) or real(self, rng, space))
    space = {"input_size": {"min": 5, "max": 40}, "kernel_size": [3, 5], "stride": [1, 3]}
    assert family.space(space) == family.space(space)
    checked = len(draws)
    assert checked > 0 and family.space(space) and len(draws) == checked  # the same space again: no draw
    for _ in range(2):  # a space found wrong is found wrong again: only a sound one is remembered
        with pytest.raises(SpaceError, match="stride: 0 is never drawn"):
            family.space({"stride": [0, 2]})


def test_every_bad_value_of_a_space_is_named_at_once():
    with pytest.raises(SpaceError, match=r"stride: 0 is never drawn .*; stride: -1 is never drawn .*; kernel_size: 300"):
        get_family("conv_output_shape").space({"stride": [0, 1, -1], "kernel_size": [3, 300]})


def test_a_value_drawn_only_with_some_others_is_fine():
    # kernel 11 fits only the larger inputs of this range: it is drawn, so it is allowed
    space = get_family("conv_output_shape").space({"input_size": {"min": 5, "max": 40}, "kernel_size": [3, 11]})
    assert space.kernel_size == [3, 11]


@pytest.mark.parametrize(("name", "params", "why"), [
    ("kl_gaussian", {"mu_q": 1.5, "sigma_q": 0.5, "mu_p": 1.5, "sigma_p": 0.5}, "q = p, so KL(q‖p) is 0"),
    ("kl_derivation", {"mu": 0.0, "sigma": 1.0}, "μ and σ are the prior's, so q = p and kl_value is 0"),
    ("pool_values", {"mode": "avg", "input": [[-1, 2, -1]], "kernel_size": 3, "dims": 1}, "one entry per channel"),
    ("conv_values", {"dims": 1, "input": [[0, 0, 0, -2]], "weight": [[[0, 3, -2]]], "op": "convolution"},
     "every entry of the output is 0"),
    ("bilinear_weight", {"x": 2.9, "y": 0.7, "pixel": [4, 1]}, None),  # weight 0 and derivatives 0: asked on purpose
    ("bilinear_weight", {"x": 2.9, "y": 0.7, "pixel": [3, 1]}, None),
    ("layers_to_size", {"input_size": 32, "target_size": 32, "kernel_size": 3}, None),  # 0 layers: asked on purpose
    ("kl_gaussian", {"mu_q": 1.5, "sigma_q": 0.5, "mu_p": 1.5, "sigma_p": 1.0}, None),
])
def test_each_family_says_what_is_degenerate_and_an_answer_of_0_is_not_in_itself(name, params, why):
    family = get_family(name)
    found = family.degenerate(family.params(params))
    assert found is None if why is None else why in found


def test_an_answer_of_0_is_drawn_where_a_family_asks_it():
    # a stack whose layers keep the size (3x3, padding 1) reaches its target in 0 layers: the draw is
    # the question, not a space that can never be drawn
    layers = get_family("layers_to_size")
    space = layers.space({"kernel_size": [3], "padding": [1], "stride": [1], "dilation": [1]})
    assert {layers.answer(layers.sample(np.random.default_rng(seed), space)) for seed in range(20)} == {0}
    bilinear = get_family("bilinear_weight")
    far = [p for p in (bilinear.sample(np.random.default_rng(seed)) for seed in range(200)) if not p.neighbour()]
    assert far and all(bilinear.answer(p) == {"weight": 0.0, "dweight_dx": 0.0, "dweight_dy": 0.0} for p in far)


def test_degenerate_draws_are_redrawn_and_a_space_of_nothing_else_is_an_error():
    kl = get_family("kl_gaussian")
    narrow = kl.space({"mu_q": [0], "mu_p": [0], "sigma_q": [1, 2], "sigma_p": [1, 2]})
    drawn = [kl.sample(np.random.default_rng(seed), narrow) for seed in range(50)]
    assert all(p.sigma_q != p.sigma_p for p in drawn)  # q = p would make KL(q||p) 0
    with pytest.raises(SpaceError, match=r"no valid parameters in 500 draws with .* \(last: degenerate: q = p, so KL\(q‖p\) is 0\)"):
        kl.space({"mu_q": [0], "mu_p": [0], "sigma_q": [1], "sigma_p": [1]})


def test_a_builtin_looked_up_alone_is_the_one_every_listing_gives():
    assert get_family("conv_values") is families()["conv_values"]


def test_looking_up_one_builtin_imports_no_other_family():
    code = ("import sys; from grader.problems.registry import get_family; get_family('conv_values'); "
            "print(sorted(m for m in sys.modules if m.startswith('grader.problems.') and m.count('.') == 2))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    others = set(families()) - {"conv_values"}
    assert "grader.problems.conv_values" in loaded
    assert not [name for name in others if f"grader.problems.{name}'" in loaded]


def test_a_solution_is_computed_once_per_value_of_the_parameters():
    """Planning, generating and scoring ask for one student's solution several times: solve runs once,
    for the same parameters object and for an equal one alike, and again for other values."""
    calls = []

    def counted(p):
        calls.append(p.step)
        return fakes.solve(p)

    family = load_family_module(fakes.module(solve=counted))
    p = family.params({"step": 3})
    assert family.parts(p) == family.parts(p) == family.parts(family.params({"step": 3}))
    assert calls == [3]
    family.parts(family.params({"step": 4}))
    family.parts(p)
    assert calls == [3, 4]  # the earlier value is still known
