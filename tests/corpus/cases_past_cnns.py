"""Answers to the families past CNN shapes (issue 18), in the forms real students write, each with the
verdict a careful grader gives (see ``case.py`` for what the fields mean).

Each parameter set's true values are in the comment beside it; they were checked against PyTorch
(``F.cross_entropy``, autograd through ``nn.Linear``, ``nn.BatchNorm1d``, the modules' ``numel``) and
by hand, not taken from the solver.
"""

from __future__ import annotations

from tests.corpus.case import Case, cases, no, ok

__all__ = ["PAST_CNNS"]

# --- softmax_cross_entropy ---------------------------------------------------------------------
ONE_EXAMPLE = {"logits": [[2.0, 1.0, 0.1]], "target": [0]}
# probabilities [[0.659, 0.242, 0.0986]], loss 0.417030, grad_logits [[-0.341, 0.242, 0.0986]]
TWO_EXAMPLES = {"logits": [[1, 2, 3], [1, 0, -1]], "target": [2, 0]}
# probabilities [[0.0900, 0.245, 0.665], [0.665, 0.245, 0.0900]], loss 0.407606 (the mean),
# grad_logits [[0.0450, 0.122, -0.167], [-0.167, 0.122, 0.0450]]
SMOOTHED_SUM = {"logits": [[0.5, -0.5, 1.0], [1.5, 0, -1.0]], "target": [1, 0], "reduction": "sum", "label_smoothing": 0.1}
# probabilities [[0.331, 0.122, 0.547], [0.766, 0.171, 0.0629]], loss 2.420499, grad_logits [[0.298, -0.811, 0.513], [-0.167, 0.138, 0.0296]]

SCE_ONE = {"probabilities": [[0.659, 0.242, 0.0986]], "loss": 0.417, "grad_logits": [[-0.341, 0.242, 0.0986]]}

SOFTMAX_CROSS_ENTROPY = cases("softmax_cross_entropy", ONE_EXAMPLE, [
    ok(SCE_ONE, "3 significant figures, as asked"),
    ok({"probabilities": [[0.6590011388859679, 0.24243297070471392, 0.09856589040931818]], "loss": 0.41703001627783354,
        "grad_logits": [[-0.3409988611140321, 0.24243297070471392, 0.09856589040931818]]}, "computed in code"),
    ok({"probabilities": [0.659, 0.242, 0.0986], "loss": 0.417, "grad_logits": [-0.341, 0.242, 0.0986]},
       "one example's rows without the batch axis"),
    ok({"probabilities": [["0.659", "0.242", "0.0986"]], "loss": "0.417", "grad_logits": [["−0.341", "0.242", "0.0986"]]},
       "every number as text, with a Unicode minus", says="read"),
    ok({"loss": "0.4170"}, "4 figures, the 4th right", says="Not answered"),
    ok({"loss": "0.4171"}, "a 4th figure one unit off"),
    no({"loss": "0.4175"}, "on the 0.417/0.418 boundary, but its 4th figure is 5 units off", says="further digits"),
    no({"loss": 0.42}, "2 figures: 0.420 is not 0.417"),
    no({"probabilities": [[0.66, 0.24, 0.099]]}, "probabilities to 2 figures: 0.660 is not 0.659"),
    no(SCE_ONE | {"grad_logits": [[0.341, -0.242, -0.0986]]}, "one-hot minus softmax: the sign reversed",
       mistake="one_hot_minus_softmax"),
    no({"loss": 0.602}, "bits: a base-2 logarithm", mistake="log_base_2"),
    no({"loss": 0.181}, "a base-10 logarithm", mistake="log_base_10"),
    no({"grad_logits": [[-1.52, 0, 0]]}, "-y/p, the gradient with respect to the probabilities", mistake="grad_wrt_probabilities"),
    no({"grad_logits": [[-0.341], [0.242], [0.0986]]}, "a column for the row: transposed", says="transposed"),
    no({"probabilities": [[7.39, 2.72, 1.11]]}, "exponentials, not divided by their sum"),
    no(SCE_ONE | {"accuracy": 1}, "an extra key that is no part", says="Unknown key"),
    no([[[0.659, 0.242, 0.0986]], 0.417, [[-0.341, 0.242, 0.0986]]], "the three parts as a list", says="Expected an object"),
    no({"probabilities": [[0.659, 0.242, "n/a"]]}, "text that is no number", says="must be a number"),
    no({"loss": [0.417]}, "a list for the loss", says="Expected a number"),
    no(None, "nothing", says="Nothing was answered"),
]) + cases("softmax_cross_entropy", TWO_EXAMPLES, [
    ok({"probabilities": [[0.0900, 0.245, 0.665], [0.665, 0.245, 0.0900]], "loss": 0.408,
        "grad_logits": [[0.0450, 0.122, -0.167], [-0.167, 0.122, 0.0450]]}, "as asked"),
    ok({"probabilities": [[0.09, 0.245, 0.665], [0.665, 0.245, 0.09]]}, "0.09 is 0.0900 to 3 figures"),
    ok({"loss": "0.4076"}, "4 figures as text"),
    no({"loss": 0.815, "grad_logits": [[0.0900, 0.245, -0.335], [-0.335, 0.245, 0.0900]]}, "summed, not averaged over the batch",
       mistake="not_averaged"),
    no({"grad_logits": [[0.0900, 0.245, -0.335], [-0.335, 0.245, 0.0900]]}, "the mean's gradient not divided by N",
       mistake="not_averaged"),
    no({"loss": [0.408, 0.408]}, "each example's loss, not the batch's", says="Expected a number"),
    no({"probabilities": [[0.5, 0.881, 0.982], [0.5, 0.119, 0.0180]]}, "softmax down the columns, over the batch",
       mistake="softmax_over_batch"),
    no({"grad_logits": [[0.0450, -0.167], [0.122, 0.122], [-0.167, 0.0450]]}, "the gradient transposed, [C][N]", says="transposed"),
    no({"grad_logits": [[-0.0450, -0.122, 0.167], [0.167, -0.122, -0.0450]]}, "the sign reversed", mistake="one_hot_minus_softmax"),
    ok({"grad_logits": "tensor([[ 0.0450,  0.1224, -0.1674],\n        [-0.1674,  0.1224,  0.0450]])"}, "pasted as PyTorch prints it",
       says="as a list"),
    no({"grad_logits": "tensor([[-0.0450, -0.1224,  0.1674],\n        [ 0.1674, -0.1224, -0.0450]])"}, "the sign reversed, pasted",
       mistake="one_hot_minus_softmax"),
]) + cases("softmax_cross_entropy", SMOOTHED_SUM, [
    ok({"probabilities": [[0.331, 0.122, 0.547], [0.766, 0.171, 0.0629]], "loss": 2.42,
        "grad_logits": [[0.298, -0.811, 0.513], [-0.167, 0.138, 0.0296]]}, "as asked"),
    ok({"loss": 2.4205}, "5 figures"),
    no({"loss": 2.4213}, "rounds to 2.42, but its 4th and 5th figures are wrong", says="further digits"),
    no({"loss": 2.37, "grad_logits": [[0.331, -0.878, 0.547], [-0.234, 0.171, 0.0629]]}, "one-hot targets, no smoothing",
       mistake="ignored_label_smoothing"),
    no({"loss": 1.21}, "averaged although reduction='sum'", mistake="averaged"),
])

# --- mlp_backprop ------------------------------------------------------------------------------
RELU_NET = {"x": [1, 2], "layers": [{"weight": [[0.5, -1], [1, 0.5]], "bias": [0, 1], "activation": "relu"},
                                    {"weight": [[1, -1]], "bias": [0.5]}],
            "loss": "mse", "target": [1], "lr": 0.1,
            "asked": [{"tensor": "weight", "layer": 1, "index": [1, 0]}, {"tensor": "weight", "layer": 2, "index": [0, 0]},
                      {"tensor": "bias", "layer": 1, "index": [1]}]}
# z1 [-1.5, 3], h1 [0, 3]; output [-2.5], loss 12.25; dW1_1_0 7, dW2_0_0 0 (the ReLU is off), db1_1 7;
# W1_updated [[0.5, -1], [0.3, -0.9]]
SIGMOID_NET = {"x": [1, -1], "layers": [{"weight": [[1, 0.5], [-0.5, 1]], "activation": "sigmoid"},
                                        {"weight": [[1, 0], [0, 1], [1, -1]], "bias": [0, 0.5, 0]}],
               "loss": "cross_entropy", "target": 2, "lr": 0.5, "update_layer": 2,
               "asked": [{"tensor": "weight", "layer": 1, "index": [0, 0]}, {"tensor": "weight", "layer": 2, "index": [2, 1]},
                         {"tensor": "bias", "layer": 2, "index": [1]}]}
# output [0.622, 0.682, 0.440], loss 1.245427; dW1_0_0 -0.0862, dW2_2_1 -0.130, db2_1 0.367;
# W2_updated [[0.892, -0.0315], [-0.114, 0.967], [1.22, -0.935]]
RELU_TRUTH = {"output": [-2.5], "loss": 12.25, "dW1_1_0": 7, "dW2_0_0": 0, "db1_1": 7, "W1_updated": [[0.5, -1], [0.3, -0.9]]}
SIGMOID_TRUTH = {"output": [0.622, 0.682, 0.440], "loss": 1.25, "dW1_0_0": -0.0862, "dW2_2_1": -0.130, "db2_1": 0.367,
                 "W2_updated": [[0.892, -0.0315], [-0.114, 0.967], [1.22, -0.935]]}

MLP_BACKPROP = cases("mlp_backprop", RELU_NET, [
    ok(RELU_TRUTH, "as asked"),
    ok(RELU_TRUTH | {"output": -2.5}, "the one output without its list"),
    ok({"W1_updated": [[0.5, -1.0], [0.29999999999999993, -0.9000000000000001]]}, "computed in code"),
    ok({"dW1_1_0": 7.0, "dW2_0_0": 0.0, "db1_1": "7"}, "integral floats and text"),
    ok({"dW2_0_0": -0.0}, "a negative zero"),
    ok({"loss": 12.2}, "12.25 lies on a rounding boundary: 12.2 is right"),
    ok({"loss": "12.3"}, "... and so is 12.3"),
    no({"loss": 12.4}, "wrong in the 3rd figure"),
    no({"loss": 6.125, "dW1_1_0": 3.5, "db1_1": 3.5}, "½ the sum of squares, not the mean", mistake="half_sum_of_squares"),
    no({"W1_updated": [[0.5, -1], [1.7, 1.9]]}, "stepped up the gradient", mistake="sgd_ascent"),
    no({"W1_updated": [[1.2, 0.4], [0.3, -0.9]]}, "the ReLU's derivative left out", mistake="forgot_activation_derivative"),
    no({"dW2_0_0": 10.5}, "multiplied by the pre-activation z1, not the ReLU's output", mistake="pre_activation_as_input"),
    no({"W1_updated": [[0.5, -1.7], [1, -0.9]]}, "the gradient transposed (x δᵀ for δ xᵀ) before the step"),
    no({"dW1_1_0": -7}, "the gradient's sign"),
    no({"dW1_1_0": 7, "dW1_0_1": 0}, "an entry that was not asked for", says="Unknown key"),
    no({"W1_updated": [[0.5, -1], [0.3]]}, "ragged rows", says="rectangular"),
    no({"loss": True}, "true is not a number"),
]) + cases("mlp_backprop", SIGMOID_NET, [
    ok(SIGMOID_TRUTH, "as asked"),
    ok({"loss": 1.245}, "4 figures"),
    ok({"dW2_2_1": -0.13}, "-0.13 is -0.130 to 3 figures"),
    ok({"output": "[0.622, 0.682, 0.440]"}, "the output list written as text"),
    no({"loss": 1.24}, "1.2454 rounds to 1.25"),
    no({"dW1_0_0": -0.367}, "the sigmoid's derivative left out", mistake="forgot_activation_derivative"),
    no({"dW1_0_0": -0.0834}, "σ' taken at h = σ(z), not at z", mistake="derivative_at_output"),
    no({"dW2_2_1": 0.130, "db2_1": -0.367}, "one-hot minus softmax", mistake="one_hot_minus_softmax"),
    no(SIGMOID_TRUTH | {"W2_updated": [[1.11, 0.0315], [0.114, 1.03], [0.778, -1.06]]}, "stepped up the gradient",
       mistake="sgd_ascent"),
    no({"W2_updated": [[0.892, -0.114, 1.22], [-0.0315, 0.967, -0.935]]}, "the updated weight transposed, [in][out]",
       says="transposed"),
    no({"output": [0.622, 0.682]}, "an output missing", says="shape"),
])

# --- batchnorm_values --------------------------------------------------------------------------
FRESH = {"input": [[1, 2], [3, 6], [5, 4]]}
# per channel mean [3, 4], biased variance 8/3, unbiased 4; output [[-1.22, -1.22], [0, 1.22], [1.22, 0]];
# running_mean [0.3, 0.4], running_var [1.3, 1.3]; eval_output [[0.614, 1.40], [2.37, 4.91], [4.12, 3.16]]
TRACKED = {"input": [[[1, 3]], [[5, 7]]], "weight": [2], "bias": [1], "running_mean": [1], "running_var": [2],
           "momentum": None, "num_batches_tracked": 1}
# mean 4, biased variance 5, unbiased 20/3; output [[[-1.68, 0.106]], [[1.89, 3.68]]]; factor 1/2:
# running_mean [2.5], running_var [4.33]; eval_output [[[-0.441, 1.48]], [[3.40, 5.32]]]
FRESH_TRUTH = {"output": [[-1.22, -1.22], [0, 1.22], [1.22, 0]], "running_mean": [0.3, 0.4], "running_var": [1.3, 1.3],
               "eval_output": [[0.614, 1.40], [2.37, 4.91], [4.12, 3.16]]}

BATCHNORM_VALUES = cases("batchnorm_values", FRESH, [
    ok(FRESH_TRUTH, "as asked"),
    ok({"output": [[-1.224742575001414, -1.2247425750014138], [-1.1102230246251565e-16, 1.2247425750014138],
                   [1.2247425750014136, 0.0]], "running_mean": [0.30000000000000004, 0.4]}, "computed in code, float noise and all"),
    ok({"running_mean": ["0.3", "0.4"], "running_var": ["1.3", "1.30"]}, "as text"),
    ok({"running_mean": "tensor([0.3000, 0.4000])", "running_var": "array([1.3, 1.3])"}, "pasted from PyTorch and numpy"),
    ok({"output": [[-1.2247, -1.2247], [0, 1.2247], [1.2247, 0]]}, "5 figures"),
    ok({"output": [[-1.225, -1.225], [0, 1.225], [1.225, 0]]}, "4 figures, rounded right"),
    no({"output": [[-1.2, -1.2], [0, 1.2], [1.2, 0]]}, "2 figures: 1.20 is not 1.22"),
    no({"output": [[-1, -1], [0, 1], [1, 0]]}, "normalised with the unbiased variance", mistake="unbiased_normalisation"),
    no({"output": [[-0.75, -0.75], [0, 0.75], [0.75, 0]]}, "divided by the variance", mistake="variance_not_sqrt"),
    no({"running_var": [1.17, 1.17]}, "the biased variance for the running estimate", mistake="biased_running_var"),
    no({"running_mean": [2.7, 3.6], "running_var": [3.7, 3.7]}, "momentum the Keras way round", mistake="momentum_reversed"),
    no({"output": [[-1, 1], [-1, 1], [1, -1]]}, "each example's statistics over its channels: layer norm",
       mistake="stats_per_example"),
    no({"eval_output": [[-1.22, -1.22], [0, 1.22], [1.22, 0]]}, "eval mode with the batch's statistics",
       mistake="eval_uses_batch_stats"),
    no({"eval_output": [[1, 2], [3, 6], [5, 4]]}, "eval mode with the statistics from before the step",
       mistake="eval_uses_old_running"),
    no({"running_mean": [3, 4], "running_var": [4, 4]}, "the batch's statistics, not the running estimates"),
    no({"output": [[-1.22, 0, 1.22], [-1.22, 1.22, 0]]}, "channels as rows: the transpose", says="transposed"),
    no({"running_mean": [0.3, 0.4], "running_var": [1.17, 1.17], "eval_output": [[0.647, 1.48], [2.50, 5.18], [4.35, 3.33]]},
       "the biased running variance, and eval right from the 1.17 written: credit carried", mistake="biased_running_var",
       says="carried forward"),
    no({"running_mean": [0.3, 0.4], "running_var": [1.17, 1.17], "eval_output": [[0.648, 1.48], [2.50, 5.18], [4.35, 3.33]]},
       "eval from the unrounded 7/6, not the 1.17 written: named as the same slip, no credit carried", mistake="biased_running_var"),
]) + cases("batchnorm_values", TRACKED, [
    ok({"output": [[[-1.68, 0.106]], [[1.89, 3.68]]], "running_mean": [2.5], "running_var": [4.33],
        "eval_output": [[[-0.441, 1.48]], [[3.40, 5.32]]]}, "as asked"),
    ok({"running_mean": [2.5], "running_var": ["13/3"]}, "a fraction, exactly"),
    ok({"running_mean": 2.5, "running_var": 4.33}, "one channel's statistics without their lists"),
    no({"running_mean": [1.3], "running_var": [2.47]}, "momentum=None taken as the default 0.1", mistake="momentum_none_as_default"),
    no({"running_mean": [4], "running_var": [6.67]}, "the factor 1/num_batches_tracked, this batch not counted",
       mistake="cumulative_count"),
    no({"running_var": [3.5]}, "the biased variance for the running estimate", mistake="biased_running_var"),
    no({"output": [[[-1.34, -0.447]], [[0.447, 1.34]]]}, "γ and β forgotten", mistake="forgot_affine"),
    no({"output": [[[-1, -1]], [[3, 3]]]}, "statistics at each position separately", mistake="stats_per_position"),
])

# --- conv_cost ---------------------------------------------------------------------------------
ALEXNET_CONV1 = {"in_channels": 3, "input_size": 227, "layers": [{"out_channels": 96, "kernel_size": 11, "stride": 4}]}
# 96 x 55 x 55 = 290,400 outputs, 3 x 121 = 363 MACs each: macs 105,415,200; flops 2 x that + 290,400 = 211,120,800;
# activation_bytes 290,400 x 4 = 1,161,600
STACK_FP16 = {"batch": 8, "in_channels": 3, "input_size": 32, "dtype": "float16",
              "layers": [{"out_channels": 16, "kernel_size": 3, "padding": 1},
                         {"out_channels": 32, "kernel_size": 3, "stride": 2, "padding": 1, "groups": 2, "bias": False}]}
# layer 1: 8 x 16 x 32 x 32 = 131,072 outputs x 27 MACs; layer 2: 8 x 32 x 16 x 16 = 65,536 outputs x (16/2) x 9 MACs:
# macs 8,257,536; flops 16,515,072 + 131,072 = 16,646,144; activation_bytes 196,608 x 2 = 393,216
ALEXNET_COST = {"macs": 105415200, "flops": 211120800, "activation_bytes": 1161600}

CONV_COST = cases("conv_cost", ALEXNET_CONV1, [
    ok(ALEXNET_COST, "as asked"),
    ok({"macs": "105,415,200", "flops": "211,120,800", "activation_bytes": "1,161,600"}, "thousands commas", says="read the text"),
    ok({"macs": 105415200.0, "flops": 2.111208e8}, "integral floats, one in scientific notation, exactly the counts"),
    ok({"macs": "1.054152 × 10^8"}, "times ten to the 8th, exactly"),
    ok({"activation_bytes": "1 161 600"}, "thousands spaced"),
    no({"macs": 1.05e8}, "a count rounded to 3 figures is not the count"),
    no({"macs": "105.4M"}, "a rounded count with a suffix"),
    no(ALEXNET_COST | {"flops": 105415200}, "MACs given as FLOPs", mistake="macs_as_flops"),
    no({"flops": 210830400}, "the bias adds left out", mistake="flops_without_bias"),
    no({"macs": 35138400}, "the input channels left out", mistake="forgot_in_channels"),
    no({"macs": 1795682592}, "the input's positions counted, not the output's", mistake="used_input_size"),
    no({"activation_bytes": 9292800}, "bits, not bytes", mistake="bits_not_bytes"),
    no({"activation_bytes": 1779948}, "the input counted too", mistake="counted_the_input"),
    no({"activation_bytes": 290400}, "values, not bytes"),
    no({"macs": 35138400, "flops": 70567200}, "FLOPs right from the student's own wrong MACs: credit carried",
       mistake="forgot_in_channels", says="carried forward"),
    no(ALEXNET_COST | {"params": 34944}, "an extra key", says="Unknown key"),
    no({"macs": True}, "true is not a count"),
]) + cases("conv_cost", STACK_FP16, [
    ok({"macs": 8257536, "flops": 16646144, "activation_bytes": 393216}, "as asked"),
    ok({"activation_bytes": 3.93216e5}, "exactly the count in scientific notation"),
    no({"macs": 12976128}, "the groups ignored", mistake="forgot_groups"),
    no({"macs": 1032192, "flops": 2080768, "activation_bytes": 49152}, "one example, not the batch of 8", mistake="forgot_batch"),
    no({"activation_bytes": 786432}, "4 bytes per float16 value", mistake="assumed_float32"),
    no({"activation_bytes": 131072}, "the last layer's output only", mistake="only_the_last_output"),
    no({"flops": 16515072}, "the first layer's bias adds left out", mistake="flops_without_bias"),
    no({"activation_bytes": "393 KB"}, "rounded, with a unit"),
])

# --- rnn_shapes_params -------------------------------------------------------------------------
LSTM_2_LAYERS = {"cell": "lstm", "input_size": 10, "hidden_size": 20, "num_layers": 2, "seq_len": 5, "batch": 3}
# 4 x 20 x (10 + 20) + 2 x 80 = 2,560, then 4 x 20 x (20 + 20) + 160 = 3,360: 5,920; output [5, 3, 20]; h_n, c_n [2, 3, 20]
GRU_BIDIRECTIONAL = {"cell": "gru", "input_size": 8, "hidden_size": 16, "bidirectional": True, "batch_first": True,
                     "seq_len": 7, "batch": 4}
# 2 x (3 x 16 x (8 + 16) + 2 x 48) = 2,496; output [4, 7, 32]; h_n [2, 4, 16]
RNN_UNBATCHED = {"cell": "rnn", "input_size": 3, "hidden_size": 5, "seq_len": 4, "batch": None}
# 5 x (3 + 5) + 2 x 5 = 50; output [4, 5]; h_n [1, 5]
LSTM_TRUTH = {"param_count": 5920, "output_shape": [5, 3, 20], "h_n_shape": [2, 3, 20], "c_n_shape": [2, 3, 20]}

RNN_SHAPES_PARAMS = cases("rnn_shapes_params", LSTM_2_LAYERS, [
    ok(LSTM_TRUTH, "as asked"),
    ok({"param_count": "5,920"}, "the count as text"),
    ok({"param_count": 5920.0, "output_shape": [5.0, 3.0, 20.0]}, "integral floats"),
    ok({"param_count": 5.92e3}, "exactly 5920 in scientific notation"),
    ok({"output_shape": "torch.Size([5, 3, 20])", "h_n_shape": "torch.Size([2, 3, 20])"}, "pasted from PyTorch"),
    ok({"output_shape": "(5, 3, 20)"}, "a tuple written as text"),
    ok({"output_shape": "5x3x20"}, "the sizes in PyTorch's order joined by x"),
    ok({"output_shape": ["5", "3", "20"]}, "sizes as text"),
    no({"output_shape": [3, 5, 20]}, "batch first, but batch_first is False"),
    no({"output_shape": "3x5x20"}, "batch first as text"),
    no({"output_shape": [5, 3, 40]}, "every layer's features in the output", mistake="output_of_every_layer"),
    no({"h_n_shape": [1, 3, 20], "c_n_shape": [1, 3, 20]}, "the last layer's states only", mistake="h_n_last_layer_only"),
    no({"param_count": 5760}, "one bias vector per layer", mistake="one_bias_vector"),
    no({"param_count": 1480}, "the gates forgotten", mistake="forgot_gates"),
    no({"param_count": 4440}, "3 gates, as a GRU has", mistake="gate_count"),
    no({"param_count": 5120}, "the second layer reads input_size", mistake="deeper_layers_read_input_size"),
    no({"output_shape": [5, 20]}, "the batch axis left out", says="axes"),
    no({"output_shape": [5, 3, 20.5]}, "half a feature", says="whole number"),
    no({"param_count": "5.9k"}, "rounded, with a suffix"),
    no(LSTM_TRUTH | {"h_shape": [2, 3, 20]}, "a misspelt key", says="did you mean"),
]) + cases("rnn_shapes_params", GRU_BIDIRECTIONAL, [
    ok({"param_count": 2496, "output_shape": [4, 7, 32], "h_n_shape": [2, 4, 16]}, "as asked"),
    ok({"output_shape": "torch.Size([4, 7, 32])"}, "pasted from PyTorch"),
    no({"h_n_shape": [4, 2, 16]}, "batch_first moved into h_n", mistake="h_n_batch_first"),
    no({"output_shape": [7, 4, 32]}, "batch_first ignored", mistake="output_ignored_batch_first"),
    no({"param_count": 1248, "output_shape": [4, 7, 16], "h_n_shape": [1, 4, 16]}, "one direction", mistake="forgot_directions"),
    no({"param_count": 2400}, "one bias vector per direction", mistake="one_bias_vector"),
    no({"h_n_shape": [4, 7, 32]}, "h_n given the output's shape"),
    no({"output_shape": [4, 7, 2, 16]}, "the directions as an axis of their own", says="axes"),
]) + cases("rnn_shapes_params", RNN_UNBATCHED, [
    ok({"param_count": 50, "output_shape": [4, 5], "h_n_shape": [1, 5]}, "as asked"),
    ok({"h_n_shape": "torch.Size([1, 5])"}, "pasted from PyTorch"),
    no({"output_shape": [4, 1, 5]}, "a batch axis the unbatched input does not have", says="axes"),
    no({"param_count": 45}, "one bias vector", mistake="one_bias_vector"),
    no({"h_n_shape": [5]}, "the layer axis of h_n left out", says="axes"),
])

# --- attention_params --------------------------------------------------------------------------
MHA_512 = {"module": "multihead_attention", "embed_dim": 512, "num_heads": 8, "seq_len": 10, "batch": 32}
# 4 x 512² + 4 x 512 = 1,050,624; output [10, 32, 512]; weights [32, 10, 10] (averaged over heads);
# flops 2 x 4 x 10 x 512² x 32 + 2 x 2 x 32 x 10 x 10 x 512 = 677,642,240; attention_bytes 32 x 8 x 10 x 10 x 4 = 102,400
GPT2_BLOCK = {"module": "transformer_encoder_layer", "embed_dim": 768, "num_heads": 12, "dim_feedforward": 3072,
              "seq_len": 1024, "batch": None}
# 2,362,368 + 4,722,432 + 3,072 = 7,087,872; output [1024, 768]; flops 4,831,838,208 (projections) + 3,221,225,472
# (QKᵀ and the weights times V) + 9,663,676,416 (feed-forward) = 17,716,740,096; attention_bytes 12 x 1024² x 4 = 50,331,648
MHA_TRUTH = {"param_count": 1050624, "output_shape": [10, 32, 512], "weights_shape": [32, 10, 10], "flops": 677642240,
             "attention_bytes": 102400}

ATTENTION_PARAMS = cases("attention_params", MHA_512, [
    ok(MHA_TRUTH, "as asked"),
    ok({"param_count": "1,050,624", "attention_bytes": "102 400"}, "counts as text"),
    ok({"flops": 6.7764224e8}, "exactly the count in scientific notation"),
    ok({"output_shape": "torch.Size([10, 32, 512])"}, "pasted from PyTorch"),
    no({"param_count": 1.05e6}, "a count rounded to 3 figures"),
    no({"param_count": 1048576}, "the biases forgotten", mistake="forgot_biases"),
    no({"param_count": 8390656}, "projections per head", mistake="projections_per_head"),
    no({"param_count": 787968}, "the output projection forgotten", mistake="forgot_out_proj"),
    no({"weights_shape": [32, 8, 10, 10]}, "weights per head, though averaged", mistake="weights_per_head"),
    no({"output_shape": [32, 10, 512]}, "batch first, but batch_first is False", mistake="batch_axis"),
    no({"flops": 338821120}, "MACs, not FLOPs", mistake="macs_as_flops"),
    no({"flops": 671088640}, "the projections only", mistake="forgot_attention_products"),
    no({"flops": 723517440}, "QKᵀ and the weights times V counted once per head at full width",
       mistake="attention_products_per_head"),
    no({"attention_bytes": 12800}, "one head's weights", mistake="attention_bytes_one_head"),
    no({"weights_shape": [10, 10]}, "one sequence's weights, no batch axis", says="axes"),
    no({"attention_bytes": 25600}, "values, not bytes"),
]) + cases("attention_params", GPT2_BLOCK, [
    ok({"param_count": 7087872, "output_shape": [1024, 768], "flops": 17716740096, "attention_bytes": 50331648}, "as asked"),
    ok({"param_count": "7 087 872", "flops": "17,716,740,096"}, "counts as text"),
    ok({"param_count": 7087872.0}, "an integral float"),
    no({"param_count": "7.09M"}, "rounded, with a suffix"),
    no({"param_count": 7.09e6}, "rounded to 3 figures"),
    no({"param_count": 7084800}, "the layer norms forgotten", mistake="forgot_layer_norms"),
    no({"param_count": 7079424}, "the biases forgotten", mistake="forgot_biases"),
    no({"flops": 8053063680}, "the feed-forward block left out", mistake="forgot_feed_forward_flops"),
    no({"flops": 8858370048}, "MACs, not FLOPs", mistake="macs_as_flops"),
    no({"output_shape": [1, 1024, 768]}, "a batch axis the unbatched input does not have", says="axes"),
])

# --- vae_elbo ----------------------------------------------------------------------------------
BERNOULLI = {"mu": [0.5, -1], "sigma": [1, 0.5], "eps": [1, -0.5], "likelihood": "bernoulli", "x": [1, 0, 1],
             "x_hat": [0.8, 0.3, 0.6]}
# z [1.5, -1.25]; kl ½(0.25 + 0.25 + ln 4) = 0.943147; reconstruction ln 0.8 + ln 0.7 + ln 0.6 = -1.090644; elbo -2.033791
GAUSSIAN_LOG_VAR = {"mu": [0, 1], "log_var": [0, 1], "eps": [0.5, -1], "likelihood": "gaussian", "x": [0.5, -0.5, 1],
                    "x_hat": [0, 0, 0.5]}
# σ [1, e^0.5]; z [0.5, -0.649]; kl (e - 1)/2 = 0.859141; reconstruction -3/2 ln 2π - 0.375 = -3.131816; elbo -3.990957
BERNOULLI_TRUTH = {"z": [1.5, -1.25], "kl": 0.943, "reconstruction": -1.09, "elbo": -2.03}

VAE_ELBO = cases("vae_elbo", BERNOULLI, [
    ok(BERNOULLI_TRUTH, "as asked"),
    ok({"z": [1.5, -1.25], "kl": 0.9431471805599453, "reconstruction": -1.0906441190189327, "elbo": -2.033791299578878},
       "computed in code"),
    ok({"kl": "0.943", "reconstruction": "−1.09", "elbo": "-2.03"}, "as text, a Unicode minus", says="read the text"),
    ok({"elbo": -2.034}, "4 figures"),
    ok({"z": ["3/2", "-5/4"]}, "fractions"),
    no({"elbo": -2.04}, "wrong in the 3rd figure"),
    no({"elbo": -0.147}, "the KL added", mistake="elbo_plus_kl"),
    no({"kl": -0.943}, "the KL's sign", mistake="kl_sign"),
    no({"z": [1.5, -1.35], "kl": 0.722}, "σ read as the variance", mistake="sigma_as_variance"),
    no({"z": [1.5, -1.125]}, "ε scaled by σ²", mistake="z_scaled_by_variance"),
    no({"z": [1.5, -1.5]}, "ε not scaled at all", mistake="z_without_sigma"),
    no({"kl": 0.472}, "the mean over the latent dimensions", mistake="kl_mean_over_dimensions"),
    no({"reconstruction": 1.09}, "the BCE, not minus it", mistake="reconstruction_sign"),
    no({"reconstruction": -0.474}, "a base-10 logarithm", mistake="log_base_10"),
    no({"kl": 0.722, "reconstruction": -1.09, "elbo": -1.81}, "the ELBO right from the student's own wrong KL: credit carried",
       mistake="sigma_as_variance", says="carried forward"),
    no({"z": 1.5}, "one coordinate of two", says="Expected a nested list"),
    no({"kl": [0.25, 0.693]}, "the KL per dimension, not summed", says="Expected a number"),
]) + cases("vae_elbo", GAUSSIAN_LOG_VAR, [
    ok({"z": [0.5, -0.649], "kl": 0.859, "reconstruction": -3.13, "elbo": -3.99}, "as asked"),
    ok({"reconstruction": "-3.132"}, "4 figures as text"),
    no({"elbo": -4.0}, "1 figure: -4.00 is not -3.99"),
    no({"z": [0.5, -1.72], "kl": 2.69}, "σ = exp(log_var), not exp(log_var / 2)", mistake="log_var_as_log_std"),
    no({"reconstruction": -0.375}, "the Gaussian's constant dropped", mistake="dropped_gaussian_constant"),
    no({"reconstruction": -0.75}, "minus the squared error alone", mistake="squared_error_as_log_likelihood"),
])

# --- gan_losses --------------------------------------------------------------------------------
GAN = {"d_real": [0.9, 0.8], "d_fake": [0.2, 0.4], "p_data": [0.5, 0.2], "p_g": [0.5, 0.6]}
# d_loss 0.164252 + 0.366985 = 0.531237; g_loss_minimax (ln 0.8 + ln 0.6)/2 = -0.366985; g_loss_nonsaturating 1.262864;
# g_grad_minimax -D/M = [-0.1, -0.2]; g_grad_nonsaturating -(1 - D)/M = [-0.4, -0.3]; d_optimal [0.5, 0.25]
GAN_TRUTH = {"d_loss": 0.531, "g_loss_minimax": -0.367, "g_loss_nonsaturating": 1.26, "g_grad_minimax": [-0.1, -0.2],
             "g_grad_nonsaturating": [-0.4, -0.3], "d_optimal": [0.5, 0.25]}

GAN_LOSSES = cases("gan_losses", GAN, [
    ok(GAN_TRUTH, "as asked"),
    ok(GAN_TRUTH | {"d_loss": 0.5312366210261182, "g_loss_minimax": -0.3669845875401002,
                    "g_grad_nonsaturating": [-0.39999999999999997, -0.30000000000000004]}, "computed in code"),
    ok({"d_loss": "0.531", "g_loss_minimax": "−0.367"}, "as text", says="read the text"),
    ok({"d_optimal": ["1/2", "1/4"]}, "fractions", says="Not answered"),
    ok({"g_loss_minimax": -0.367, "g_loss_nonsaturating": 1.263}, "4 figures"),
    no({"d_loss": 0.53}, "2 figures: 0.530 is not 0.531"),
    no({"g_loss_nonsaturating": 1.27}, "wrong in the 3rd figure"),
    no({"d_loss": -0.531}, "the objective, not the loss", mistake="d_loss_sign"),
    no({"d_loss": 3.22}, "real and fake labels swapped", mistake="swapped_labels"),
    no({"d_loss": 0.266}, "the two terms averaged", mistake="d_loss_averaged"),
    no({"g_loss_minimax": 0.367}, "the minimax loss's sign", mistake="minimax_sign"),
    no({"g_loss_minimax": 1.26, "g_loss_nonsaturating": -0.367}, "the two generator losses swapped",
       mistake="swapped_generator_losses"),
    no({"d_loss": 0.231, "g_loss_minimax": -0.159, "g_loss_nonsaturating": 0.548}, "base-10 logarithms", mistake="log_base_10"),
    no({"d_loss": 1.06, "g_loss_minimax": -0.734, "g_loss_nonsaturating": 2.53}, "summed over the batch, not averaged",
       mistake="summed_not_averaged"),
    no({"g_grad_minimax": [0.1, 0.2], "g_grad_nonsaturating": [0.4, 0.3]}, "the gradients' signs", mistake="grad_sign"),
    no({"g_grad_minimax": [-0.625, -0.833], "g_grad_nonsaturating": [-2.5, -1.25]},
       "with respect to D, not its logit", mistake="grad_wrt_probability"),
    no({"g_grad_minimax": [-0.2, -0.4], "g_grad_nonsaturating": [-0.8, -0.6]}, "per sample, not divided by the batch of 2"),
    no({"d_optimal": [0.5, 0.75]}, "p_g / (p_data + p_g)", mistake="optimal_d_inverted"),
    no({"d_optimal": [1, 0.333]}, "the density ratio", mistake="optimal_d_ratio"),
    no({"d_optimal": 0.25}, "one point of two", says="Expected a nested list"),
    no(GAN_TRUTH | {"g_loss": 1.26}, "an extra key", says="Unknown key"),
])

PAST_CNNS: list[Case] = [
    *SOFTMAX_CROSS_ENTROPY, *MLP_BACKPROP, *BATCHNORM_VALUES, *CONV_COST, *RNN_SHAPES_PARAMS, *ATTENTION_PARAMS,
    *VAE_ELBO, *GAN_LOSSES,
]
