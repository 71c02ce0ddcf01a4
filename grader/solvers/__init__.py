"""Reference maths: pure numpy, no I/O, no pydantic. The ground truth every grade is checked against."""

from grader.solvers.conv import conv, conv_transpose
from grader.solvers.gaussian import kl_gaussian
from grader.solvers.params import layer_params
from grader.solvers.pool import pool
from grader.solvers.receptive import receptive_fields
from grader.solvers.sampling import bilinear_weight
from grader.solvers.shapes import (
                                   SizeSteps,
                                   conv_output_size,
                                   conv_transpose_output_size,
                                   layers_to_size,
                                   output_steps,
                                   pool_output_size,
)

__all__ = [
    "SizeSteps",
    "bilinear_weight",
    "conv",
    "conv_output_size",
    "conv_transpose",
    "conv_transpose_output_size",
    "kl_gaussian",
    "layer_params",
    "layers_to_size",
    "output_steps",
    "pool",
    "pool_output_size",
    "receptive_fields",
]
