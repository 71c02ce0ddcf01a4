"""Answers in the forms real students write, each with the verdict a careful grader gives.

The standard is an instructor grading by hand with care: accept what they would accept (the
feedback saying how it was read), reject what they would reject (saying why). What a case's fields
mean is in ``case.py``; the families past CNN shapes (issue 18) are in ``cases_past_cnns.py``.

Used by ``tests/corpus/test_corpus.py`` and ``benchmarks/answers.py``.
"""

from __future__ import annotations

from typing import Any

from tests.corpus.case import Case, no, ok
from tests.corpus.case import cases as _cases
from tests.corpus.cases_past_cnns import PAST_CNNS

__all__ = ["CASES", "Case"]


# --- conv_output_shape -------------------------------------------------------------------------
ALEXNET = {"input_size": 227, "in_channels": 3, "out_channels": 96, "kernel_size": 11, "stride": 4}  # 96 x 55 x 55
WIDE = {"input_size": [54, 70], "in_channels": 3, "out_channels": 54, "kernel_size": 3, "padding": 1}  # 54 x 54 x 70
LINE = {"dims": 1, "input_size": 100, "in_channels": 16, "out_channels": 32, "kernel_size": 5, "stride": 2, "dilation": 2}
README = {"input_size": 128, "in_channels": 3, "out_channels": 16, "kernel_size": 3}  # 16 x 126 x 126

CONV_SHAPE = _cases("conv_output_shape", ALEXNET, [
    ok({"out_channels": 96, "out_size": [55, 55]}, "the layout asked for"),
    ok("55x55x96", "HxWxC text, the seed documents' convention", says="as H×W×C"),
    ok("55X55X96", "capital X"),
    ok("55 × 55 × 96", "multiplication signs with spaces"),
    ok("55*55*96", "stars"),
    ok("55x55x96 pixels", "a unit after the shape"),
    ok("torch.Size([96, 55, 55])", "pasted from PyTorch: channels first", says="channels first"),
    ok("96x55x55 px", "only the first number can be the channel count", says="as C×H×W"),
    ok([96, 55, 55], "a list, channels first as PyTorch prints shapes"),
    ok("(96, 55, 55)", "a tuple written as text"),
    no([55, 55, 96], "a list is channels first: this says 55 channels", says="channels first"),
    no({"out_channels": 96, "out_size": [54, 54]}, "forgot the +1", mistake="forgot_plus_one"),
    no({"out_channels": 96, "out_size": "54x54"}, "forgot the +1, sizes as text", mistake="forgot_plus_one"),
    no({"out_channels": 96, "out_size": [217, 217]}, "ignored the stride", mistake="ignored_stride"),
    no({"out_channels": 3, "out_size": [55, 55]}, "kept the input channels", mistake="in_channels_kept"),
    ok({"out_channels": "96", "out_size": "55x55"}, "both parts as text", says="read"),
    ok({"out_channels": 96, "out_size": 55}, "one size for a square output", says="the same size along each axis"),
    ok({"out_channels": 96.0, "out_size": [55.0, 55.0]}, "integral floats for integers", says="read 96.0 as 96"),
    ok({"out_channels": 96, "out_size": "55x55x96"}, "the whole shape written in out_size"),
    ok({"out_channels": None, "out_size": "55x55x96"}, "a notebook's out_size holding the whole shape"),
    ok({"out_size": [55, 55]}, "only one part given, and it is right", says="Not answered: out_channels"),
    ok("55x55", "the sizes alone", says="out_size alone"),
    no({"out_channels": 96, "out_size": [55, 55], "stride": 4}, "an extra key that is no part: not correct as written",
       says="Unknown key"),
    no({"out_chanels": 96, "out_size": [55, 55]}, "a misspelt key is named, with the key meant", says="did you mean"),
    no("96x55x5²", "a superscript is no size", says="is not a whole number"),
    no("①", "a circled digit is no size", says="is not a whole number"),
    no({"out_channels": 96, "out_size": [55.5, 55]}, "a size must be whole", says="whole number"),
    no({"out_channels": True, "out_size": [55, 55]}, "true is not a count"),
    no(96, "the channel count alone is not the shape", says="Expected an object"),
    no("fifty-five by fifty-five", "words", says="Could not read"),
    no(None, "nothing", says="Nothing was answered"),
    no({}, "an empty object", says="Nothing was answered"),
    no(10**400, "a 400-digit integer", says="digits"),
]) + _cases("conv_output_shape", WIDE, [
    ok([54, 54, 70], "channels first, H then W"),
    ok("54x70x54", "HxWxC: the last number is the channel count"),
    ok("54×70×54", "the same with ×"),
    ok({"out_channels": 54, "out_size": "54x70"}, "sizes as text"),
    no([54, 70, 54], "read channels first, H and W come out swapped", says="swapped"),
    no("70x54x54", "HxWxC with H and W swapped", says="swapped"),
    no({"out_channels": 54, "out_size": [70, 54]}, "W before H", says="swapped"),
    no({"out_channels": 54, "out_size": [53, 69]}, "forgot the +1", mistake="forgot_plus_one"),
    no({"out_channels": 3, "out_size": [54, 70]}, "kept the input channels", mistake="in_channels_kept"),
]) + _cases("conv_output_shape", LINE, [
    ok({"out_channels": 32, "out_size": 46}, "a 1-D size without its list"),
    ok({"out_channels": 32, "out_size": [46]}, "as asked"),
    ok({"out_channels": 32, "out_size": "46"}, "the size as text"),
    ok([32, 46], "the whole 1-D shape, channels first"),
    ok("46x32", "length x channels"),
    no({"out_channels": 32, "out_size": [47]}, "rounded up", mistake="ceil_not_floor"),
    no({"out_channels": 32, "out_size": [48]}, "ignored the dilation", mistake="ignored_dilation"),
    no({"out_channels": 32, "out_size": [92]}, "ignored the stride", mistake="ignored_stride"),
]) + _cases("conv_output_shape", README, [
    ok("126x126x16", "the README's example, through check"),
    ok({"out_channels": None, "out_size": "126x126x16"}, "the README's example, as a notebook gives it"),
    ok("16x126x126", "C×H×W text: the last number cannot be the channel count"),
    ok([16, 126, 126], "channels first"),
    no([126, 126, 16], "a list channels last says 126 channels", says="read channels last it would be right"),
    no("126x126x3", "kept the input channels", mistake="in_channels_kept"),
    no({"out_channels": 16, "out_size": [125, 125]}, "forgot the +1", mistake="forgot_plus_one"),
])

# --- conv_transpose_output_shape ---------------------------------------------------------------
UP = {"input_size": 16, "in_channels": 64, "out_channels": 32, "kernel_size": 4, "stride": 2, "padding": 1}  # 32 x 32 x 32
UP_WIDE = {"input_size": [7, 9], "in_channels": 16, "out_channels": 8, "kernel_size": 3, "stride": 2, "padding": 1,
           "output_padding": 1}  # 8 x 14 x 18
UP_LINE = {"dims": 1, "input_size": 10, "in_channels": 8, "out_channels": 1, "kernel_size": 5, "stride": 3, "dilation": 2}  # 1 x 36

CONV_TRANSPOSE_SHAPE = _cases("conv_transpose_output_shape", UP, [
    ok({"out_channels": 32, "out_size": [32, 32]}, "as asked"),
    ok("32x32x32", "HxWxC text"),
    ok([32, 32, 32], "channels first"),
    ok("torch.Size([32, 32, 32])", "pasted from PyTorch"),
    ok({"out_channels": 32, "out_size": 32}, "one size for a square"),
    ok({"out_channels": 32, "out_size": "32 x 32"}, "sizes as text with spaces"),
    no({"out_channels": 32, "out_size": [8, 8]}, "the convolution formula", mistake="used_conv_formula"),
    no({"out_channels": 32, "out_size": [34, 34]}, "n times the stride", mistake="n_times_stride"),
    no({"out_channels": 32, "out_size": [36, 36]}, "added the padding", mistake="padding_added"),
    no({"out_channels": 32, "out_size": [33, 33]}, "padding on one side", mistake="padding_one_side"),
    no({"out_channels": 32, "out_size": [31, 31]}, "forgot the +1", mistake="forgot_plus_one"),
    no({"out_channels": 64, "out_size": [32, 32]}, "kept the input channels", mistake="in_channels_kept"),
]) + _cases("conv_transpose_output_shape", UP_WIDE, [
    ok({"out_channels": 8, "out_size": [14, 18]}, "as asked"),
    ok("14x18x8", "HxWxC text"),
    ok("8x14x18", "C×H×W text: only the first number can be the channel count"),
    ok([8, 14, 18], "channels first"),
    no("18x14x8", "H and W swapped", says="swapped"),
    no([8, 18, 14], "H and W swapped in a list", says="swapped"),
    no([14, 18, 8], "a list is channels first"),
    no({"out_channels": 8, "out_size": [13, 17]}, "forgot output_padding", mistake="forgot_output_padding"),
    no({"out_channels": 8, "out_size": [15, 19]}, "padding cropped from one side", mistake="padding_one_side"),
    no({"out_channels": 8, "out_size": [14, 18], "out_chanels": 8}, "an extra misspelt key", says="Unknown key"),
    no({"out_channels": "eight", "out_size": [14, 18]}, "a word for a number", says="Expected an integer"),
]) + _cases("conv_transpose_output_shape", UP_LINE, [
    ok({"out_channels": 1, "out_size": [36]}, "as asked"),
    ok({"out_channels": 1, "out_size": 36}, "a 1-D size without its list"),
    ok({"out_channels": 1, "out_size": 36.0}, "an integral float"),
    ok([1, 36], "the whole 1-D shape"),
    ok("36", "the size alone, as text"),
    no({"out_channels": 1, "out_size": [32]}, "ignored the dilation", mistake="ignored_dilation"),
    no({"out_channels": 1, "out_size": [39]}, "n times the stride", mistake="n_times_stride"),
    no({"out_channels": 8, "out_size": [36]}, "kept the input channels", mistake="in_channels_kept"),
])

# --- receptive_field ---------------------------------------------------------------------------
STACK = {"dims": 1, "layers": [{"type": "conv", "kernel_size": 5, "stride": 2}, {"type": "conv", "kernel_size": 3},
                               {"type": "conv", "kernel_size": 5, "dilation": 2}]}  # 5, 9, 25
IMAGE = {"dims": 2, "layers": [{"type": "conv", "kernel_size": 3}, {"type": "maxpool", "kernel_size": 2, "stride": 2},
                               {"type": "conv", "kernel_size": [3, 5]}]}  # [3,3], [4,4], [8,12]

RECEPTIVE_FIELD = _cases("receptive_field", STACK, [
    ok([5, 9, 25], "as asked"),
    ok(["5", "9", "25"], "each field as text"),
    ok([5.0, 9.0, 25.0], "integral floats"),
    ok({"layer1": 5, "layer2": 9, "layer3": 25}, "an object keyed by layer", says="keyed by layer"),
    ok({"1": 5, "2": 9, "3": 25}, "keyed by layer number"),
    ok({"Layer 1": 5, "Layer 2": 9, "Layer 3": 25}, "keyed by 'Layer n'"),
    ok("[5, 9, 25]", "the list written as text"),
    ok({"layer1": 5, "layer2": 9}, "two layers of three, both right", says="Not answered: layer3"),
    no([5, 9, 17], "ignored the dilation", mistake="ignored_dilation"),
    no([5, 7, 15], "forgot the jump", mistake="forgot_jump"),
    no([9, 11, 19], "multiplied by the layer's own stride", mistake="current_stride"),
    no([5, 7, 11], "summed k-1", mistake="summed_kernels"),
    no([5, 9, 27], "d*k for the dilated kernel", mistake="dilation_times_kernel"),
    no([5, 10, 26], "layer 2 wrong, layer 3 right from it: credit carried, but not correct", says="carried forward"),
    no([5, 9], "one layer missing from a list", says="Expected 3 entries"),
    no([5, 9, 25, 33], "a fourth entry for three layers", says="Expected 3 entries"),
    no({"layer1": 5, "layer2": 9, "layer3": 25, "total": 25}, "a key that is no layer", says="Unknown key"),
    no(25, "the last field alone", says="Expected a list"),
    no([5, 9, 25.5], "a field is a whole number of pixels", says="whole number"),
    no([5, 9, True], "true is not a size"),
]) + _cases("receptive_field", IMAGE, [
    ok([[3, 3], [4, 4], [8, 12]], "as asked"),
    ok([3, 4, [8, 12]], "one int for a square field"),
    ok(["3x3", "4x4", "8x12"], "h x w text"),
    ok(["3 x 3", "4 x 4", "8 x 12"], "h x w text with spaces"),
    ok({"layer1": [3, 3], "layer2": "4x4", "layer3": "8x12"}, "keyed by layer, mixed forms"),
    no([[3, 3], [4, 4], [12, 8]], "h and w swapped", says="swapped"),
    no([[3, 3], [4, 4], [6, 8]], "forgot the jump", mistake="forgot_jump"),
    no([[3, 3], [3, 3], [5, 7]], "ignored the pooling layer", mistake="ignored_pooling"),
    no([[3, 3], [5, 5], [9, 13]], "the current stride in the product", mistake="stride_product_includes_current"),
    no([[3, 3], [4, 4], [8, 12, 1]], "three numbers for a 2-D field", says="list of 2 integers"),
])

# --- layers_to_size ----------------------------------------------------------------------------
VALID_7 = {"input_size": 224, "target_size": 8, "kernel_size": 7}  # 36 layers
STRIDED = {"input_size": 64, "target_size": 9, "kernel_size": 3, "stride": 2}  # unreachable
PADDED = {"input_size": 32, "target_size": 5, "kernel_size": 3, "stride": 2, "padding": 1}  # unreachable; ceil gives 3

LAYERS_TO_SIZE = _cases("layers_to_size", VALID_7, [
    ok(36, "as asked"),
    ok("36", "as text"),
    ok(36.0, "an integral float"),
    no(37, "counted the sizes, not the layers", mistake="counted_sizes"),
    no(35, "one short"),
    no(None, "None, but 36 layers reach it", says="there is an answer"),
    no("None", "None as text, but there is an answer", says="there is an answer"),
    no(True, "true is not a count"),
    no([36], "a list for a single count", says="Expected an integer"),
    no(36.5, "half a layer", says="whole number"),
    no("thirty-six", "a word", says="Expected an integer"),
]) + _cases("layers_to_size", STRIDED, [
    ok(None, "no number of layers gives 9"),
    ok("None", "None as text", says="as None"),
    ok("none", "lower case"),
    ok("impossible", "said in words"),
    ok("never", "said in words"),
    no(0, "zero layers leave the size at 64"),
    no(5, "a count where none exists"),
    no(-1, "a sentinel instead of None"),
]) + _cases("layers_to_size", PADDED, [
    ok(None, "unreachable"),
    ok("null", "null as text"),
    no(3, "rounded up", mistake="ceil_not_floor"),
    no("3", "rounded up, as text", mistake="ceil_not_floor"),
    no(4, "a count where none exists"),
])

# --- param_count -------------------------------------------------------------------------------
ONE_CONV = {"layers": [{"type": "conv2d", "in_channels": 3, "out_channels": 3, "kernel_size": 7}]}  # 444
FC = {"layers": [{"type": "linear", "in_features": 150528, "out_features": 75264},
                 {"type": "linear", "in_features": 75264, "out_features": 100}]}  # 11,336,941,156
MIXED = {"layers": [{"type": "conv2d", "in_channels": 3, "out_channels": 16, "kernel_size": 3},
                    {"type": "batchnorm2d", "num_features": 16}, {"type": "relu"},
                    {"type": "conv2d", "in_channels": 16, "out_channels": 32, "kernel_size": 3, "groups": 2, "bias": False}]}

PARAM_COUNT = _cases("param_count", ONE_CONV, [
    ok({"total": 444, "per_layer": [444]}, "as asked"),
    ok({"total": 444}, "the total alone", says="Not answered: per_layer"),
    ok(444, "a bare number is the total", says="as the total"),
    ok("444", "the total as text"),
    ok({"total": 444.0}, "an integral float"),
    ok({"total": "4.44e2"}, "scientific notation, exactly 444"),
    ok({"total": 444, "per_layer": 444}, "one layer's count without its list"),
    no({"total": 441}, "no bias", mistake="no_bias"),
    no({"total": 442}, "one bias per layer", mistake="bias_once_per_layer"),
    no({"total": 150}, "filters ignore the input channels", mistake="filter_ignores_in_channels"),
    no({"total": 66}, "k, not k*k", mistake="kernel_not_squared"),
    no({"total": True}, "true is not a count"),
]) + _cases("param_count", FC, [
    ok({"total": 11336941156, "per_layer": [11329414656, 7526500]}, "as asked"),
    ok({"total": "11,336,941,156"}, "thousands separated by commas", says="read the text"),
    ok({"total": "11 336 941 156"}, "thousands separated by spaces"),
    ok({"total": 11336941156.0}, "an integral float"),
    ok({"total": 1.1336941156e10}, "exactly the count in scientific notation"),
    ok([11329414656, 7526500], "a list is the per-layer counts", says="as per_layer"),
    no({"total": 1.13e10}, "a count rounded to 3 figures is not the count"),
    no({"total": 11336865792}, "no bias", mistake="no_bias"),
    no({"total": 11336941157}, "off by one"),
    no({"total": 11336941156, "per_layer": [7526500, 11329414656]}, "per-layer counts in the wrong order"),
]) + _cases("param_count", MIXED, [
    ok({"total": 2784, "per_layer": [448, 32, 0, 2304]}, "as asked"),
    ok({"total": 2784, "per_layer": "[448, 32, 0, 2304]"}, "the list as text"),
    no({"total": 5088, "per_layer": [448, 32, 0, 4608]}, "forgot the groups", mistake="forgot_groups"),
    no({"total": 2816, "per_layer": [448, 64, 0, 2304]}, "counted the running statistics", mistake="batchnorm_running_stats"),
    no({"total": 2768, "per_layer": [432, 32, 0, 2304]}, "no bias", mistake="no_bias"),
    no({"total": 2785, "per_layer": [448, 33, 0, 2304]}, "a total right for its own wrong counts: carried", says="carried forward"),
    no({"total": 2784, "per_layer": [448, 32, 2304]}, "a layer left out of the list", says="list of 4 integers"),
    no({"total": 2784, "per_layer": [448, 32, None, 2304]}, "null for the relu's count", says="Expected an integer"),
    no({"total": 2784, "extra": 1}, "an unknown key", says="Unknown key"),
])

# --- kl_gaussian -------------------------------------------------------------------------------
KL = {"mu_q": 0.5, "sigma_q": 1.5, "mu_p": 0.0, "sigma_p": 1.0}      # 0.3445348918918356
KL_BIG = {"mu_q": 2.0, "sigma_q": 0.5}                              # 2.3181471805599454
KL_SMALL = {"mu_q": 0.01, "sigma_q": 1.01}                          # 1.4966914683189891e-04
KL_ZERO = {"mu_q": 0, "sigma_q": 1}                                 # 0
KL_393 = {"mu_q": 2.62, "sigma_q": 0.4}                             # 3.928490731874156

KL_GAUSSIAN = _cases("kl_gaussian", KL, [
    ok(0.345, "3 significant figures, correctly rounded"),
    ok(0.3445, "4 figures, right"),
    ok(0.34453, "5 figures, right"),
    ok(0.3446, "a 4th figure one unit off"),
    no(0.3444, "rounds to 0.344: wrong at 3 figures, though near"),
    ok(0.3445348918918356, "computed in code, every digit"),
    ok(0.34453490376472473, "a float32 result, widened (its single-precision digits are 0.3445349)"),
    ok("0.345", "as text", says="read the text"),
    ok("3.445e-1", "scientific notation as text"),
    ok("0,345", "a decimal comma"),
    ok("≈0.345", "with an approximately-equal sign"),
    ok("np.float64(0.3445348918918356)", "a numpy repr pasted in"),
    no(0.344, "wrong in the 3rd figure"),
    no(0.34, "only 2 figures, which round to 0.340"),
    no(0.35, "2 figures"),
    no(0.3448, "the 4th figure 3 units off: digits given must be right", says="further digits"),
    no(0.3443, "wrong at 3 figures"),
    no(0.172, "σ for σ²", mistake="std_as_variance"),
    no(0.183, "q and p swapped", mistake="swapped_q_p"),
    no(0.497, "bits, not nats", mistake="log_base_2"),
    no(0.845, "forgot the -1/2", mistake="forgot_minus_half"),
    no(1.16, "the log term's sign", mistake="log_sign"),
    no(1.59, "forgot the denominator", mistake="forgot_denominator"),
    no(0.220, "dropped the mean term", mistake="dropped_mean_term"),
    no("1/3", "a fraction with another value", says="Read the text"),
    no(None, "nothing", says="Nothing was answered"),
    no([0.345], "a list for a number", says="Expected a number"),
    no(True, "true is not a number"),
    no(10**400, "a 400-digit integer", says="digits"),
    no(float("nan"), "NaN", says="finite"),
    no("0.345 or 0.346", "two answers", says="does not read as one"),
]) + _cases("kl_gaussian", KL_BIG, [
    ok(2.32, "3 figures"),
    ok(2.318, "4 figures"),
    ok(2.3181, "5 figures"),
    ok("2.32e0", "text with an exponent"),
    no(2.31, "wrong in the 3rd figure"),
    no(2.3, "2 figures: 2.30"),
    no(2.325, "rounds to 2.32 or 2.33, but its 4th figure is 7 units off"),
    no(2.10, "σ for σ²", mistake="std_as_variance"),
    no(8.81, "q and p swapped", mistake="swapped_q_p"),
    no(0.932, "the log term's sign", mistake="log_sign"),
]) + _cases("kl_gaussian", KL_SMALL, [
    ok(1.50e-4, "3 figures"),
    ok(0.000150, "3 figures, written out"),
    ok(0.00015, "2 figures that round right"),
    ok(1.4967e-4, "5 figures"),
    ok("1.50 × 10^-4", "times ten to the power"),
    ok("1.5·10⁻⁴", "superscript exponent"),
    no(0.0001, "1 figure, which rounds to 1.00e-4"),
    no(1.49e-4, "wrong in the 3rd figure"),
    no(1.55e-4, "wrong in the 2nd figure"),
    no(7.48e-5, "σ for σ²", mistake="std_as_variance"),
    no(0, "the value is small, not zero"),
    no(1e-6, "the absolute floor of a true zero does not apply to a small truth"),
]) + _cases("kl_gaussian", KL_ZERO, [
    ok(0, "zero"),
    ok(0.0, "zero as a float"),
    ok(-0.0, "negative zero"),
    ok(1e-9, "float noise around zero"),
    ok("0.000", "zero as text"),
    no(0.5, "forgot the -1/2", mistake="forgot_minus_half"),
    no(0.001, "not zero"),
]) + _cases("kl_gaussian", KL_393, [
    ok(3.93, "3 figures"),
    ok(3.928, "4 figures"),
    ok(3.929, "4 figures, the last one unit off"),
    ok(3.9285, "5 figures"),
    no(3.9368, "rounds to 3.94"),
    no(3.925, "on the 3.92/3.93 boundary, but its 4th figure is 3 units off"),
    no(3.94, "wrong in the 3rd figure"),
])

# --- bilinear_weight ---------------------------------------------------------------------------
BILINEAR = {"x": 2.3, "y": 4.6, "pixel": [2, 5]}   # 0.42, -0.6, 0.7 (computed with float noise)
CORNER = {"x": 0.9, "y": 1.1, "pixel": [1, 1]}     # 0.81, 0.9, -0.9

BILINEAR_WEIGHT = _cases("bilinear_weight", BILINEAR, [
    ok({"weight": 0.42, "dweight_dx": -0.6, "dweight_dy": 0.7}, "as asked"),
    ok([0.42, -0.6, 0.7], "the three values as a list"),
    ok({"weight": 0.4199999999999999, "dweight_dx": -0.5999999999999996, "dweight_dy": 0.7000000000000002}, "computed in code"),
    ok({"weight": "0.42", "dweight_dx": "−0.6", "dweight_dy": "0.7"}, "text with a Unicode minus"),
    ok({"weight": "42/100", "dweight_dx": "-3/5", "dweight_dy": "7/10"}, "fractions"),
    ok({"weight": 0.4199, "dweight_dx": -0.6001, "dweight_dy": 0.7001}, "4 figures, each one unit off"),
    ok({"weight": 0.42}, "one part given, right"),
    no({"weight": 0.42, "dweight_dx": -0.6004, "dweight_dy": 0.7}, "a 4th figure 4 units off (noise in the truth no longer matters)",
       says="further digits"),
    no({"weight": 0.42, "dweight_dx": -0.6, "dweight_dy": 0.7004}, "the same on the positive side"),
    no({"weight": 0.419, "dweight_dx": -0.6, "dweight_dy": 0.7}, "wrong in the 3rd figure"),
    no({"weight": 0.42, "dweight_dx": 0.6, "dweight_dy": -0.7}, "derivative signs", mistake="derivative_sign"),
    no({"weight": 0.42, "dweight_dx": 0.7, "dweight_dy": -0.6}, "derivatives of the other axis", mistake="derivative_other_axis"),
    no({"weight": 0.42, "dweight_dx": -1, "dweight_dy": 1}, "forgot the other factor", mistake="forgot_other_factor"),
    no({"weight": 0.12, "dweight_dx": 0.4, "dweight_dy": -0.3}, "the other neighbour's fraction", mistake="other_neighbour_fraction"),
    no({"weight": 0, "dweight_dx": 0, "dweight_dy": 0}, "x and y swapped", mistake="swapped_x_y"),
    no({"weight": 0.42, "dweight_dx": -0.6, "dweight_dy": 0.7, "pixel": [2, 5]}, "an extra key", says="Unknown key"),
]) + _cases("bilinear_weight", CORNER, [
    ok({"weight": 0.81, "dweight_dx": 0.9, "dweight_dy": -0.9}, "as asked"),
    ok({"weight": 0.81, "dweight_dx": "0.9", "dweight_dy": "-0.9"}, "derivatives as text"),
    ok({"weight": 0.8099999999999999, "dweight_dx": 0.8999999999999999, "dweight_dy": -0.9}, "computed in code"),
    no({"weight": 0.81, "dweight_dx": -0.9, "dweight_dy": 0.9}, "derivative signs", mistake="derivative_sign"),
    no({"weight": 0.01, "dweight_dx": -0.1, "dweight_dy": 0.1}, "the other neighbour's fraction", mistake="other_neighbour_fraction"),
    no({"weight": 0.81, "dweight_dx": 1, "dweight_dy": -1}, "forgot the other factor", mistake="forgot_other_factor"),
    no({"weight": 0.8, "dweight_dx": 0.9, "dweight_dy": -0.9}, "0.8 is 0.800, not 0.810"),
    no({"weight": 81, "dweight_dx": 0.9, "dweight_dy": -0.9}, "a percentage without its sign"),
    no([0.81, 0.9], "two values of three", says="Expected an object"),
])

# --- kl_derivation -----------------------------------------------------------------------------
STANDARD = {"mu": 1.5, "sigma": 0.5}  # kl_value 1.4431471805599454
SHIFTED = {"prior_mean": 1, "prior_std": 2, "mu": 0.5, "sigma": 1.5}  # kl_value 0.10018207245178079
RIGHT = {"log_term": "-log(sigma)", "q_term": "-1/2", "p_term": "(sigma^2 + mu^2)/2",
         "kl": "(mu^2 + sigma^2 - 1 - log(sigma^2))/2", "kl_value": 1.443}


def _with(**parts: Any) -> dict[str, Any]:
    return {**RIGHT, **parts}


KL_DERIVATION = _cases("kl_derivation", STANDARD, [
    ok(RIGHT, "as asked"),
    ok(_with(kl=r"\frac{1}{2}\left(\mu^2+\sigma^2-1-\ln\sigma^2\right)"), "LaTeX with \\frac and \\ln without parentheses",
       says="read as"),
    ok(_with(kl="½(μ² + σ² − 1 − ln σ²)"), "Unicode, ½, ln σ²"),
    ok(_with(kl="KL = ½(μ² + σ² − 1) − ln σ"), "a leading 'KL ='"),
    ok(_with(kl="mu^2/2 + sigma^2/2 - 1/2 - log(sigma)"), "expanded"),
    ok(_with(kl="0.5*(mu**2 + sigma**2) - 0.5 - log(sigma)"), "decimals"),
    ok(_with(kl="1/2 (mu^2 + sigma^2 - 1) - log sigma"), "a space for the product, log without parentheses"),
    ok(_with(kl="(μ²+σ²−1−2 ln σ)/2"), "2 ln σ"),
    ok(_with(log_term="-ln σ"), "ln σ without parentheses"),
    ok(_with(log_term="-log sigma"), "log sigma without parentheses"),
    ok(_with(log_term=r"-\ln\sigma"), "LaTeX \\ln\\sigma"),
    ok(_with(log_term="-(1/2)log(σ^2)"), "an implicit product before a function"),
    ok(_with(log_term="-log_e(sigma)"), "log_e"),
    ok(_with(log_term="log(1/sigma)"), "log of the reciprocal"),
    ok(_with(log_term="-1/2 log σ^2"), "half the log of the variance"),
    ok(_with(q_term=-0.5), "a part given as a JSON number"),
    ok(_with(q_term="-0.5"), "a decimal"),
    ok(_with(q_term=r"-\frac{1}{2}"), "LaTeX fraction"),
    ok(_with(p_term=r"\frac{\sigma^2+\mu^2}{2}"), "LaTeX fraction of the moments"),
    ok(_with(p_term="E[z²]/2 = (σ² + μ²)/2"), "the working before '='"),
    ok(_with(kl_value=1.44), "3 figures"),
    ok(_with(kl_value="1.443"), "as text"),
    no(_with(log_term="log(sigma)"), "the log term's sign", mistake="log_sign"),
    no(_with(log_term="ln σ"), "the log term's sign, in Unicode", mistake="log_sign"),
    no(_with(kl="(mu**2 + sigma - 1 - log(sigma))/2"), "σ for σ²", mistake="sigma_for_variance"),
    no(_with(kl="(mu**2 + sigma**2 - log(sigma**2))/2"), "forgot the -1/2", mistake="forgot_minus_half"),
    no(_with(p_term="mu^2/2"), "the second moment without the variance", mistake="second_moment_without_variance"),
    no(_with(kl="(mu**2 + sigma**2 - 1 - log(sigma))/2"), "log σ, not log σ²", mistake="log_sigma_not_squared"),
    no(_with(kl="mu**2 + sigma**2 - 1 - log(sigma**2)"), "forgot the overall half", mistake="forgot_overall_half"),
    no(_with(q_term="1/2"), "the sign of the middle term"),
    no(_with(kl="mu"), "not the closed form"),
    no(_with(kl_value=1.45), "wrong in the 3rd figure"),
    no(_with(kl_value=10**400), "a 400-digit integer"),
    no(_with(kl="__import__('os')"), "code, never run", says="Could not read"),
    no(_with(kl="(mu^2+sigma^2-1-log(sigma^2))/2 + abs(mu-3) + mu - 3"), "right only for μ < 3"),
    no(_with(kl="(mu^2+sigma^2-1-log(sigma^2))/2 + abs(sigma-2) + sigma - 2"), "right only for σ < 2"),
    no(_with(kl="(mu^2+sigma^2-1-log(sigma^2))/2 + sqrt((mu-3)**2) + mu - 3"), "|μ-3| written as a square root"),
    no(_with(kl="(mu^2+sigma^2-1-log(sigma^2))/2 + (mu-0.1)(mu-0.7)(mu+1.3)(mu-2.2)(mu+0.4)(mu-1.9)"),
       "zero at a guessed list of points, nowhere else"),
    no(_with(kl="(mu^2+sigma^2-1-log(sigma^2))/2 + abs(mu-1000) + mu - 1000"), "right only for μ < 1000",
       says="could not be shown equal"),
]) + _cases("kl_derivation", SHIFTED, [
    ok({"log_term": "log(2) - log(sigma)", "q_term": "-1/2", "p_term": "(sigma^2 + (mu-1)^2)/8",
        "kl": "log(2/sigma) + (sigma^2 + (mu-1)^2)/8 - 1/2", "kl_value": 0.100}, "as asked"),
    ok({"log_term": "ln(2/σ)"}, "a quotient in the log"),
    ok({"p_term": "(σ² + (μ−1)²)/(2·2²)"}, "the prior's numbers left in"),
    ok({"kl": r"\ln\frac{2}{\sigma} + \frac{\sigma^2 + (\mu-1)^2}{8} - \frac12"}, "LaTeX"),
    ok({"kl_value": 0.1}, "1 figure that rounds right: 0.100"),
    ok({"kl_value": 0.1002}, "4 figures"),
    no({"log_term": "log(sigma/2)"}, "the log term's sign", mistake="log_sign"),
    no({"p_term": "(mu-1)^2/8"}, "the second moment without the variance", mistake="second_moment_without_variance"),
    no({"kl_value": 0.1005}, "the 4th figure 3 units off"),
    no({"kl": "(mu^2 + sigma^2 - 1 - log(sigma^2))/2"}, "the standard prior's formula for another prior"),
])

# --- conv_values -------------------------------------------------------------------------------
SEED_CONV = {"dims": 2, "input": [[[2, 0, -1, -1], [0, 1, 0, 2], [-2, 0, 1, 1], [1, 1, 0, -1]]],
             "weight": [[[[1, -1, 1], [0, 1, 0], [1, -1, 1]]]]}  # [[[1, 0], [-1, 4]]]
PADDED_1D = {"dims": 1, "input": [[1, 2, 3, 4, 5]], "weight": [[[1, 0, -1]]], "bias": [0.5], "padding": 1}
FRACTIONAL = {"dims": 2, "input": [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], "weight": [[[[0.5, 0.25], [0.1, 0.0]]]]}

CONV_VALUES = _cases("conv_values", SEED_CONV, [
    ok([[[1, 0], [-1, 4]]], "as asked"),
    ok([[1, 0], [-1, 4]], "one channel without its channel axis"),
    ok([[[1.0, 0.0], [-1.0, 4.0]]], "floats"),
    ok([[["1", "0"], ["-1", "4"]]], "entries as text"),
    no([[[1, 0], [-1, 5]]], "one entry wrong", says="3 of 4 entries"),
    no([[[1, -1], [0, 4]]], "the transpose", says="transpose"),
    no([[[1, 0, 0], [-1, 4, 0]]], "a column too many", says="shape"),
    no([[[1, 0], [-1, 4.0001]]], "a whole-number entry must be exact"),
    no([[[1, 0], [-1, True]]], "true is not a number", says="must be a number"),
    no([[[1, 0], [-1, 10**400]]], "a 400-digit entry", says="sensible size"),
    no(None, "nothing"),
]) + _cases("conv_values", PADDED_1D, [
    ok([[-1.5, -1.5, -1.5, -1.5, 4.5]], "as asked"),
    ok([-1.5, -1.5, -1.5, -1.5, 4.5], "one channel without its channel axis"),
    ok([["-3/2", "-1.5", "−1.5", "-1.50", "4.5"]], "entries as text, fractions and a Unicode minus"),
    no([[2.5, 2.5, 2.5, 2.5, -3.5]], "flipped the kernel", mistake="flipped_kernel"),
    no([[-2, -2, -2, -2, 4]], "forgot the bias", mistake="forgot_bias"),
    no([[-1.5, -1.5, -1.5]], "forgot the padding", mistake="ignored_padding"),
    no([[-0.5, -1.5, -1.5, -1.5, -0.5]], "padded with the edge values", mistake="edge_padding"),
    no([[-1.5, -1.5, -1.5, -1.5, 4.5, 0]], "one entry too many", says="too many"),
]) + _cases("conv_values", FRACTIONAL, [
    ok([[[1.4, 2.25], [3.95, 4.8]]], "as asked"),
    ok([[[1.4000000000000001, 2.25], [3.9499999999999997, 4.8]]], "computed in code"),
    no([[[1.4, 2.3], [4.0, 4.8]]], "2.25 and 3.95 rounded to 2 figures", says="2 of 4 entries"),
    no([[[1.4, 2.25], [3.95, 4.81]]], "one entry wrong in the 3rd figure"),
    no([[[3.7, 4.55], [6.25, 7.1]]], "flipped the kernel", mistake="flipped_kernel"),
    no([[[1.4, 2.25], [3.95]]], "ragged rows", says="rectangular"),
])

# --- conv_transpose_values ---------------------------------------------------------------------
SEED_TRANSPOSE = {"dims": 2, "input": [[[1, 2], [0, 1]]], "weight": [[[[1, 2, 3], [2, 3, 4], [3, 4, 5]]]]}
STRIDED_1D = {"dims": 1, "input": [[1, -1, 2]], "weight": [[[1, 2]]], "stride": 2}  # [[1, 2, -1, -2, 2, 4]]
TRUTH_4x4 = [[1, 4, 7, 6], [2, 8, 12, 11], [3, 12, 16, 14], [0, 3, 4, 5]]

CONV_TRANSPOSE_VALUES = _cases("conv_transpose_values", SEED_TRANSPOSE, [
    ok([TRUTH_4x4], "as asked"),
    ok(TRUTH_4x4, "one channel without its channel axis"),
    ok([[[float(v) for v in row] for row in TRUTH_4x4]], "floats"),
    no([[[5, 14, 11, 6], [4, 16, 12, 7], [3, 12, 8, 4], [0, 3, 2, 1]]], "flipped the kernel", mistake="flipped_kernel"),
    no([[list(col) for col in zip(*TRUTH_4x4)]], "the transpose", says="transpose"),
    no([[[1, 4, 7, 6], [2, 8, 12, 11], [3, 12, 16, 14], [0, 3, 4, 6]]], "one entry wrong", says="15 of 16"),
    no([[[1, 4, 7], [2, 8, 12], [3, 12, 16]]], "the convolution's output size", says="too few"),
    no(None, "left blank"),
]) + _cases("conv_transpose_values", STRIDED_1D, [
    ok([[1, 2, -1, -2, 2, 4]], "as asked"),
    ok([1, 2, -1, -2, 2, 4], "without the channel axis"),
    ok([["1", "2", "-1", "-2", "2", "4"]], "entries as text"),
    no([[2, 1, -2, -1, 4, 2]], "flipped the kernel", mistake="flipped_kernel"),
    no([[1, 1, 0, 4]], "ignored the stride", mistake="ignored_stride"),
    no([[2, -1, 3, 2]], "gathered like a convolution", mistake="gathered_like_conv"),
    no([[1, 2, -1, -2, 2]], "one entry too few", says="too few"),
])

# --- pool_values -------------------------------------------------------------------------------
MAX_POOL = {"mode": "max", "input": [[[1, 3, 2, 4], [5, 6, 1, 2], [7, 2, 9, 0], [1, 8, 3, 4]]], "kernel_size": 2}
AVG_POOL = {"mode": "avg", "input": [[[1, 2, 4], [3, 5, 7], [2, 2, 1]]], "kernel_size": 2, "stride": 1}
AVG_1D = {"dims": 1, "mode": "avg", "input": [[1, 2, 3, 4, 5]], "kernel_size": 3, "stride": 2, "padding": 1,
          "count_include_pad": False}

POOL_VALUES = _cases("pool_values", MAX_POOL, [
    ok([[[6, 4], [8, 9]]], "as asked"),
    ok([[6, 4], [8, 9]], "without the channel axis"),
    ok([[[6.0, 4.0], [8.0, 9.0]]], "floats"),
    no([[[6, 6, 4], [7, 9, 9], [8, 9, 9]]], "stride 1 instead of the kernel size", mistake="stride_one"),
    no([[[3.75, 2.25], [4.5, 4.0]]], "averaged instead", mistake="other_mode"),
    no([[[6, 8], [4, 9]]], "the transpose", says="transpose"),
    no([[[6, 4], [8, 8]]], "one entry wrong", says="3 of 4"),
]) + _cases("pool_values", AVG_POOL, [
    ok([[[2.75, 4.5], [3, 3.75]]], "as asked"),
    ok([[["11/4", "9/2"], ["3", "15/4"]]], "fractions as text"),
    no([[[2.8, 4.5], [3.0, 3.8]]], "2.75 and 3.75 rounded to 2 figures"),
    no([[[2.75, 4.5], [3.0, 3.7]]], "one entry wrong"),
    no([[[5, 7], [5, 7]]], "took the maximum", mistake="other_mode"),
    no([[[2.75, 4.5, 5.5], [3.0, 3.75, 4]]], "a column too many", says="shape"),
]) + _cases("pool_values", AVG_1D, [
    ok([[1.5, 3.0, 4.5]], "as asked"),
    ok([1.5, 3, 4.5], "without the channel axis"),
    no([[1, 3, 3]], "counted the padding in the average", mistake="count_include_pad"),
    no([[2, 4, 5]], "took the maximum", mistake="other_mode"),
    no([[1.5, 3.0]], "one entry too few"),
])

CASES: list[Case] = [
    *CONV_SHAPE, *CONV_TRANSPOSE_SHAPE, *RECEPTIVE_FIELD, *LAYERS_TO_SIZE, *PARAM_COUNT, *KL_GAUSSIAN,
    *BILINEAR_WEIGHT, *KL_DERIVATION, *CONV_VALUES, *CONV_TRANSPOSE_VALUES, *POOL_VALUES, *PAST_CNNS,
]
CASES = [Case(c.family, c.params, c.answer, c.correct, c.why, c.mistake, c.says, id=f"{c.family}-{i}")
         for i, c in enumerate(CASES)]
