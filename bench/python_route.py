#!/usr/bin/python3
"""The usual Python route for per-initializer statistics: onnx.load + numpy (zeros, min, max, mean, std,
64-bin histogram). Used by bench/run_analysis_benchmark.sh as the baseline Slimscope is compared with."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
for tensor in model.graph.initializer:
    values = numpy_helper.to_array(tensor)
    zeros = values.size - np.count_nonzero(values)
    stats = (values.min(), values.max(), values.mean(), values.std(), np.histogram(values, 64))
print("tensors", len(model.graph.initializer))
