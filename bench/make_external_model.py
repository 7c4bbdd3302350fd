#!/usr/bin/python3
"""A model of many MatMul weights, each in an external data file of its own, for the streaming-export figures of
docs/performance.md (random float32 weights; the size is what matters).

    /usr/bin/python3 bench/make_external_model.py OUT_DIR [FILES] [ROWS] [COLS]

writes OUT_DIR/big.onnx and OUT_DIR/w<i>.bin; the defaults (600 files of 2048 × 836) make ~4.1 GB."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def main():
    out = sys.argv[1]
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 2048
    cols = int(sys.argv[4]) if len(sys.argv) > 4 else 836
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(1)
    nodes, inits, outputs = [], [], []
    for i in range(files):
        weight = rng.standard_normal((rows, cols), dtype=np.float32)
        location = f"w{i}.bin"
        weight.tofile(os.path.join(out, location))
        tensor = TensorProto(name=f"w{i}", data_type=TensorProto.FLOAT, dims=weight.shape,
                             data_location=TensorProto.EXTERNAL)
        for key, value in (("location", location), ("offset", "0"), ("length", str(weight.nbytes))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        inits.append(tensor)
        nodes.append(helper.make_node("MatMul", ["x", f"w{i}"], [f"y{i}"], name=f"/layer.{i}/fc/MatMul"))
        outputs.append(helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, [1, cols]))
    graph = helper.make_graph(nodes, "external", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, rows])],
                              outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="slimscope-bench")
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "big.onnx"))
    print(os.path.join(out, "big.onnx"), files * weight.nbytes, "bytes of weights in", files, "files")


if __name__ == "__main__":
    main()
