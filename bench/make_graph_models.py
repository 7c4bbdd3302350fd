#!/usr/bin/python3
"""Builds the models of docs/performance.md's graph layout figures, with small random weights (the graph's size is
what matters): a transformer of ~1,000 nodes written the way PyTorch's exporter writes BERT at opset 11 (layer norm
and GELU spelled out, Reshape targets computed with Shape/Gather/Unsqueeze/Concat, names like
"/encoder/layer.3/attention/self/query/MatMul"), and a 10,000-node model of 40 stages × 50 residual blocks.

    /usr/bin/python3 bench/make_graph_models.py OUT_DIR

writes OUT_DIR/transformer_1k.onnx and OUT_DIR/wide_10k.onnx."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(11)


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.values = [], [], 0

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, name, **attrs):
        self.values += 1
        out = f"{name}_output_{self.values}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=name, **attrs))
        return out


def transformer(layers=16, hidden=64, heads=4, ffn=256, seq=32, vocab=1000):
    g = Graph()

    def linear(x, cin, cout, scope):
        w = g.const(f"{scope}.weight", rng.normal(0, 0.02, (cin, cout)).astype(np.float32))
        b = g.const(f"{scope}.bias", np.zeros(cout, np.float32))
        return g.op("Add", [g.op("MatMul", [x, w], f"{scope}/MatMul"), b], f"{scope}/Add")

    def layer_norm(x, scope):
        mean = g.op("ReduceMean", [x], f"{scope}/ReduceMean", axes=[-1])
        centred = g.op("Sub", [x, mean], f"{scope}/Sub")
        square = g.op("Pow", [centred, g.const(f"{scope}.two", np.array(2.0, np.float32))], f"{scope}/Pow")
        var = g.op("ReduceMean", [square], f"{scope}/ReduceMean_1", axes=[-1])
        std = g.op("Sqrt", [g.op("Add", [var, g.const(f"{scope}.eps", np.array(1e-12, np.float32))],
                                 f"{scope}/Add")], f"{scope}/Sqrt")
        normed = g.op("Div", [centred, std], f"{scope}/Div")
        scaled = g.op("Mul", [normed, g.const(f"{scope}.weight", np.ones(hidden, np.float32))], f"{scope}/Mul")
        return g.op("Add", [scaled, g.const(f"{scope}.bias", np.zeros(hidden, np.float32))], f"{scope}/Add_1")

    def dynamic_reshape(x, tail, scope):
        """Reshape to [batch, seq, *tail] with the batch read from the tensor, as tracing exports write it."""
        batch = g.op("Gather", [g.op("Shape", [x], f"{scope}/Shape"), g.const(f"{scope}.zero", np.array(0))],
                     f"{scope}/Gather", axis=0)
        dims = g.op("Unsqueeze", [batch], f"{scope}/Unsqueeze", axes=[0])
        shape = g.op("Concat", [dims, g.const(f"{scope}.tail", np.array([seq] + tail, np.int64))],
                     f"{scope}/Concat", axis=0)
        return g.op("Reshape", [x, shape], f"{scope}/Reshape")

    x = g.op("Gather", [g.const("embeddings.word_embeddings.weight", rng.normal(0, 0.02, (vocab, hidden))
                                .astype(np.float32)), "input_ids"], "/embeddings/word_embeddings/Gather")
    x = g.op("Add", [x, g.const("embeddings.position_embeddings.weight", rng.normal(0, 0.02, (seq, hidden))
                                .astype(np.float32))], "/embeddings/Add")
    x = layer_norm(x, "/embeddings/LayerNorm")
    for i in range(layers):
        s = f"/encoder/layer.{i}"
        a = f"{s}/attention/self"

        def heads_of(t, name, perm):
            return g.op("Transpose", [dynamic_reshape(t, [heads, hidden // heads], f"{a}/{name}")],
                        f"{a}/{name}/Transpose", perm=perm)

        q = heads_of(linear(x, hidden, hidden, f"{a}/query"), "q", [0, 2, 1, 3])
        k = heads_of(linear(x, hidden, hidden, f"{a}/key"), "k", [0, 2, 3, 1])
        v = heads_of(linear(x, hidden, hidden, f"{a}/value"), "v", [0, 2, 1, 3])
        scores = g.op("Div", [g.op("MatMul", [q, k], f"{a}/MatMul"),
                              g.const(f"{a}.scale", np.array(np.sqrt(hidden // heads), np.float32))], f"{a}/Div")
        context = g.op("MatMul", [g.op("Softmax", [scores], f"{a}/Softmax", axis=-1), v], f"{a}/MatMul_1")
        context = dynamic_reshape(g.op("Transpose", [context], f"{a}/Transpose", perm=[0, 2, 1, 3]), [hidden],
                                  f"{a}/merge")
        o = f"{s}/attention/output"
        x = layer_norm(g.op("Add", [linear(context, hidden, hidden, f"{o}/dense"), x], f"{o}/Add"), f"{o}/LayerNorm")
        h = linear(x, hidden, ffn, f"{s}/intermediate/dense")
        act = f"{s}/intermediate/intermediate_act_fn"
        erf = g.op("Erf", [g.op("Div", [h, g.const(f"{act}.sqrt2", np.array(1.4142135, np.float32))], f"{act}/Div")],
                   f"{act}/Erf")
        h = g.op("Mul", [g.op("Mul", [h, g.op("Add", [erf, g.const(f"{act}.one", np.array(1.0, np.float32))],
                                              f"{act}/Add")], f"{act}/Mul"),
                         g.const(f"{act}.half", np.array(0.5, np.float32))], f"{act}/Mul_1")
        x = layer_norm(g.op("Add", [linear(h, ffn, hidden, f"{s}/output/dense"), x], f"{s}/output/Add"),
                       f"{s}/output/LayerNorm")
    g.nodes[-1].output[0] = "last_hidden_state"
    graph = helper.make_graph(g.nodes, "transformer_1k",
                              [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", seq])],
                              [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                                             ["batch", seq, hidden])], g.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="slimscope-bench")


def wide(stages=40, blocks=50, width=16):
    """stages × blocks residual blocks of 5 nodes (MatMul, Add bias, Relu, Mul gate, Add skip): 10,000 nodes."""
    g = Graph()
    x = "x"
    for s in range(stages):
        for b in range(blocks):
            scope = f"/stage.{s}/block.{b}"
            w = g.const(f"{scope}.fc.weight", rng.normal(0, 0.3, (width, width)).astype(np.float32))
            h = g.op("MatMul", [x, w], f"{scope}/fc/MatMul")
            h = g.op("Add", [h, g.const(f"{scope}.fc.bias", np.zeros(width, np.float32))], f"{scope}/fc/Add")
            h = g.op("Relu", [h], f"{scope}/act/Relu")
            h = g.op("Mul", [h, g.const(f"{scope}.gate", np.full(width, 0.5, np.float32))], f"{scope}/gate/Mul")
            x = g.op("Add", [h, x], f"{scope}/Add")
    g.nodes[-1].output[0] = "y"
    graph = helper.make_graph(g.nodes, "wide_10k", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, width])], g.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="slimscope-bench")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    for name, build in (("transformer_1k", transformer), ("wide_10k", wide)):
        model = build()
        model.ir_version = 7
        onnx.checker.check_model(model)
        path = os.path.join(out, name + ".onnx")
        onnx.save(model, path)
        print(path, len(model.graph.node), "nodes", os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
