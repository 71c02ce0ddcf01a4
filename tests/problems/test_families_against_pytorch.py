"""The new families' reference answers, for variants drawn from their default spaces, against PyTorch.

The solvers are checked on random inputs in ``tests/solvers``; this checks each family's wiring: that the
parameters a student reads in the statement reach PyTorch's own modules and give every graded part.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.problems import get_family
from tests.solvers.test_gan import optimal_by_search

pytestmark = pytest.mark.oracle
DRAWS = 200


def _draws(name: str):
    family = get_family(name)
    for seed in range(DRAWS):
        params = family.sample(np.random.default_rng(seed))
        yield seed, params, family.answer(params)


def _t(torch, value):
    return torch.tensor(value, dtype=torch.float64)


def test_softmax_cross_entropy(torch):
    functional = torch.nn.functional
    for seed, p, answer in _draws("softmax_cross_entropy"):
        z = _t(torch, p.logits).requires_grad_()
        loss = functional.cross_entropy(z, torch.tensor(p.target), reduction=p.reduction, label_smoothing=p.label_smoothing)
        loss.backward()
        assert answer["loss"] == pytest.approx(loss.item(), rel=1e-12), seed
        np.testing.assert_allclose(answer["probabilities"], functional.softmax(z, 1).detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(answer["grad_logits"], z.grad.numpy(), atol=1e-14)


def test_mlp_backprop(torch):
    nn = torch.nn
    for seed, p, answer in _draws("mlp_backprop"):
        linears, stack = [], []
        for layer in p.layers:
            w = _t(torch, layer.weight)
            linear = nn.Linear(w.shape[1], w.shape[0], bias=layer.bias is not None, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(w)
                if layer.bias is not None:
                    linear.bias.copy_(_t(torch, layer.bias))
            linears.append(linear)
            stack += [linear, {"relu": nn.ReLU(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "identity": nn.Identity()}[layer.activation]]
        out = nn.Sequential(*stack)(_t(torch, p.x))
        loss = nn.MSELoss()(out, _t(torch, p.target)) if p.loss == "mse" else nn.CrossEntropyLoss()(out[None], torch.tensor([p.target]))
        loss.backward()
        np.testing.assert_allclose(answer["output"], out.detach().numpy(), rtol=1e-12)
        assert answer["loss"] == pytest.approx(loss.item(), rel=1e-12), seed
        for e in p.asked:
            tensor = linears[e.layer - 1].weight if e.tensor == "weight" else linears[e.layer - 1].bias
            assert answer[e.name] == pytest.approx(tensor.grad[tuple(e.index)].item(), rel=1e-12, abs=1e-15), (seed, e.name)
        torch.optim.SGD([lin.weight for lin in linears], lr=p.lr).step()
        np.testing.assert_allclose(answer["W1_updated"], linears[0].weight.detach().numpy(), rtol=1e-12, atol=1e-15)


def test_batchnorm_values(torch):
    for seed, p, answer in _draws("batchnorm_values"):
        x = _t(torch, p.input)
        layer = (torch.nn.BatchNorm2d if x.ndim == 4 else torch.nn.BatchNorm1d)(
            x.shape[1], eps=p.eps, momentum=p.momentum, affine=p.weight is not None, dtype=torch.float64)
        with torch.no_grad():
            if p.weight is not None:
                layer.weight.copy_(_t(torch, p.weight))
                layer.bias.copy_(_t(torch, p.bias))
            if p.running_mean is not None:
                layer.running_mean.copy_(_t(torch, p.running_mean))
                layer.running_var.copy_(_t(torch, p.running_var))
            layer.num_batches_tracked.fill_(p.num_batches_tracked)
            trained = layer.train()(x)
            evaluated = layer.eval()(x)
        np.testing.assert_allclose(answer["output"], trained.numpy(), atol=1e-12, err_msg=str(seed))
        np.testing.assert_allclose(answer["running_mean"], layer.running_mean.numpy(), atol=1e-12)
        np.testing.assert_allclose(answer["running_var"], layer.running_var.numpy(), atol=1e-12)
        np.testing.assert_allclose(answer["eval_output"], evaluated.numpy(), atol=1e-12)


def test_conv_cost(torch):
    from torch.utils.flop_counter import FlopCounterMode

    for seed, p, answer in _draws("conv_cost"):
        conv = torch.nn.Conv1d if p.dims == 1 else torch.nn.Conv2d
        x = torch.empty(p.batch, p.in_channels, *([p.input_size] * p.dims), device="meta")
        outputs = adds = 0
        with FlopCounterMode(display=False) as counter:
            for layer in p.layers:
                x = conv(x.shape[1], layer.out_channels, layer.kernel_size, layer.stride, layer.padding, layer.dilation,
                         layer.groups, layer.bias, device="meta")(x)
                outputs += x.numel()
                adds += x.numel() * layer.bias
        element = torch.empty(0, dtype=getattr(torch, p.dtype)).element_size()
        assert answer == {"macs": counter.get_total_flops() // 2, "flops": counter.get_total_flops() + adds,
                          "activation_bytes": outputs * element}, seed


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN:UserWarning")
def test_rnn_shapes_params(torch):
    for seed, p, answer in _draws("rnn_shapes_params"):
        extra = {"proj_size": p.proj_size} if p.cell == "lstm" else {}
        module = getattr(torch.nn, p.cell.upper())(p.input_size, p.hidden_size, p.num_layers, bias=p.bias, batch_first=p.batch_first,
                                                   bidirectional=p.bidirectional, **extra)
        lead = [] if p.batch is None else [p.batch]
        x = torch.zeros(*(lead + [p.seq_len] if p.batch_first else [p.seq_len] + lead), p.input_size)
        with torch.no_grad():
            output, state = module(x)
        h_n, c_n = state if p.cell == "lstm" else (state, None)
        assert answer["param_count"] == sum(t.numel() for t in module.parameters()), seed
        assert answer["output_shape"] == list(output.shape) and answer["h_n_shape"] == list(h_n.shape), seed
        assert answer.get("c_n_shape") == (None if c_n is None else list(c_n.shape)), seed


def test_attention_params(torch):
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    for seed, p, answer in _draws("attention_params"):
        lead = [] if p.batch is None else [p.batch]

        def shaped(length, width):
            return torch.zeros(*(lead + [length] if p.batch_first else [length] + lead), width, device="meta")

        with torch.device("meta"):
            if p.encoder:
                module = torch.nn.TransformerEncoderLayer(p.embed_dim, p.num_heads, p.dim_feedforward, dropout=0.0, bias=p.bias,
                                                          batch_first=p.batch_first)
            else:
                module = torch.nn.MultiheadAttention(p.embed_dim, p.num_heads, bias=p.bias, add_bias_kv=p.add_bias_kv,
                                                     add_zero_attn=p.add_zero_attn, kdim=p.kdim, vdim=p.vdim, batch_first=p.batch_first)
        with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
            if p.encoder:
                out = module(shaped(p.seq_len, p.embed_dim))
            else:
                out, weights = module(shaped(p.seq_len, p.embed_dim), shaped(p.keys, p.kdim or p.embed_dim),
                                      shaped(p.keys, p.vdim or p.embed_dim), average_attn_weights=p.average_attn_weights)
                assert answer["weights_shape"] == list(weights.shape), seed
        assert answer["param_count"] == sum(t.numel() for t in module.parameters()), seed
        assert answer["output_shape"] == list(out.shape) and answer["flops"] == counter.get_total_flops(), seed
        per_head = p.n * p.num_heads * p.seq_len * p.attended
        assert answer["attention_bytes"] == per_head * torch.empty(0, dtype=getattr(torch, p.dtype)).element_size(), seed


def test_vae_elbo(torch):
    dist = torch.distributions
    for seed, p, answer in _draws("vae_elbo"):
        mu = _t(torch, p.mu)
        sigma = _t(torch, p.sigma) if p.sigma is not None else torch.exp(0.5 * _t(torch, p.log_var))
        q, prior = dist.Normal(mu, sigma), dist.Normal(torch.zeros_like(mu), torch.ones_like(mu))
        x, x_hat = _t(torch, p.x), _t(torch, p.x_hat)
        likelihood = dist.Bernoulli(probs=x_hat) if p.likelihood == "bernoulli" else dist.Normal(x_hat, p.decoder_sigma)
        recon, kl = likelihood.log_prob(x).sum().item(), dist.kl_divergence(q, prior).sum().item()
        np.testing.assert_allclose(answer["z"], (mu + sigma * _t(torch, p.eps)).numpy(), rtol=1e-12)
        assert (answer["kl"], answer["reconstruction"], answer["elbo"]) == pytest.approx((kl, recon, recon - kl), rel=1e-12), seed


def test_gan_losses(torch):
    bce = torch.nn.functional.binary_cross_entropy
    for seed, p, answer in _draws("gan_losses"):
        real, fake = _t(torch, p.d_real), _t(torch, p.d_fake)
        assert answer["d_loss"] == pytest.approx((bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))).item(), rel=1e-12)
        for kind in ("minimax", "nonsaturating"):
            logits = torch.logit(fake).requires_grad_()
            d = torch.sigmoid(logits)
            loss = torch.log1p(-d).mean() if kind == "minimax" else bce(d, torch.ones_like(d))
            loss.backward()
            assert answer[f"g_loss_{kind}"] == pytest.approx(loss.item(), rel=1e-12), (seed, kind)
            np.testing.assert_allclose(answer[f"g_grad_{kind}"], logits.grad.numpy(), rtol=1e-9)
        # D* maximises p_data log D + p_g log(1 - D) at each point: found by an optimiser over the logit
        np.testing.assert_allclose(answer["d_optimal"], optimal_by_search(torch, p.p_data, p.p_g), atol=1e-7, err_msg=str(seed))
