#!/usr/bin/python3
"""Builds the two benchmark models of docs/performance.md's quantization figures, with random weights (no model
ships here): a ResNet-50-shaped CNN (torchvision's layout with batch norm folded into the convs, as exporters
write it in eval mode) and a BERT-base-shaped encoder (12 layers, hidden 768, 12 heads, FFN 3072, sequence 128).

    /usr/bin/python3 bench/make_bench_models.py OUT_DIR

writes OUT_DIR/resnet50.onnx (~102 MB) and OUT_DIR/bert_base.onnx (~436 MB)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, base, array):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, scope, **attrs):
        out = self.name(f"{scope}/{op_type}")
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def conv(g, x, cin, cout, k, stride, scope, relu=True, gain=1.0):
    fan_in = cin * k * k
    w = rng.normal(0, gain * np.sqrt(2.0 / fan_in), (cout, cin, k, k)).astype(np.float32)
    b = rng.normal(0, 0.01, cout).astype(np.float32)
    y = g.op("Conv", [x, g.const(f"{scope}.weight", w), g.const(f"{scope}.bias", b)], scope,
             kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4)
    return g.op("Relu", [y], scope) if relu else y


def resnet50():
    g = Graph()
    x = conv(g, "input", 3, 64, 7, 2, "conv1")
    x = g.op("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for stage, (blocks, width) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512])):
        for block in range(blocks):
            scope = f"layer{stage + 1}.{block}"
            stride = 2 if block == 0 and stage > 0 else 1
            y = conv(g, x, cin, width, 1, 1, scope + ".conv1")
            y = conv(g, y, width, width, 3, stride, scope + ".conv2")
            # The last conv of a block starts small (as zero-init-residual training leaves it), so that random
            # activations stay in range through 16 residual additions.
            y = conv(g, y, width, width * 4, 1, 1, scope + ".conv3", relu=False, gain=0.2)
            if block == 0:
                x = conv(g, x, cin, width * 4, 1, stride, scope + ".downsample", relu=False)
            x = g.op("Relu", [g.op("Add", [y, x], scope)], scope)
            cin = width * 4
    x = g.op("GlobalAveragePool", [x], "avgpool")
    x = g.op("Flatten", [x], "flatten", axis=1)
    w = rng.normal(0, np.sqrt(1.0 / 2048), (1000, 2048)).astype(np.float32)
    b = np.zeros(1000, np.float32)
    logits = g.op("Gemm", [x, g.const("fc.weight", w), g.const("fc.bias", b)], "fc", transB=1)
    g.nodes[-1].output[0] = "logits"
    graph = helper.make_graph(g.nodes, "resnet50", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                              ["batch", 3, 224, 224])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1000])], g.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="slimscope-bench")


def bert_base(layers=12, hidden=768, heads=12, ffn=3072, seq=128, vocab=30522):
    g = Graph()
    std = 0.02

    def linear(x, cin, cout, scope):
        w = rng.normal(0, std, (cin, cout)).astype(np.float32)
        y = g.op("MatMul", [x, g.const(f"{scope}.weight", w)], scope)
        return g.op("Add", [y, g.const(f"{scope}.bias", np.zeros(cout, np.float32))], scope)

    def layer_norm(x, scope):
        return g.op("LayerNormalization", [x, g.const(f"{scope}.weight", np.ones(hidden, np.float32)),
                                           g.const(f"{scope}.bias", np.zeros(hidden, np.float32))], scope, axis=-1,
                    epsilon=1e-12)

    words = g.op("Gather", [g.const("embeddings.word", rng.normal(0, std, (vocab, hidden)).astype(np.float32)),
                            "input_ids"], "embeddings")
    x = g.op("Add", [words, g.const("embeddings.position", rng.normal(0, std, (seq, hidden)).astype(np.float32))],
             "embeddings")
    x = layer_norm(x, "embeddings.LayerNorm")
    split_shape = g.const("shape.heads", np.array([0, seq, heads, hidden // heads], np.int64))
    merge_shape = g.const("shape.hidden", np.array([0, seq, hidden], np.int64))
    scale = g.const("attention.scale", np.array(1.0 / np.sqrt(hidden // heads), np.float32))
    for i in range(layers):
        s = f"encoder.layer.{i}"

        def heads_of(t, perm):
            return g.op("Transpose", [g.op("Reshape", [t, split_shape], s)], s, perm=perm)

        q = heads_of(linear(x, hidden, hidden, s + ".attention.query"), [0, 2, 1, 3])
        k = heads_of(linear(x, hidden, hidden, s + ".attention.key"), [0, 2, 3, 1])
        v = heads_of(linear(x, hidden, hidden, s + ".attention.value"), [0, 2, 1, 3])
        scores = g.op("Mul", [g.op("MatMul", [q, k], s), scale], s)
        context = g.op("MatMul", [g.op("Softmax", [scores], s, axis=-1), v], s)
        context = g.op("Reshape", [g.op("Transpose", [context], s, perm=[0, 2, 1, 3]), merge_shape], s)
        x = layer_norm(g.op("Add", [linear(context, hidden, hidden, s + ".attention.output"), x], s),
                       s + ".attention.LayerNorm")
        h = linear(x, hidden, ffn, s + ".intermediate")
        erf = g.op("Erf", [g.op("Mul", [h, g.const("gelu.rsqrt2", np.array(0.7071067811865476, np.float32))], s)], s)
        h = g.op("Mul", [g.op("Mul", [h, g.op("Add", [erf, g.const("gelu.one", np.array(1.0, np.float32))], s)], s),
                         g.const("gelu.half", np.array(0.5, np.float32))], s)
        x = layer_norm(g.op("Add", [linear(h, ffn, hidden, s + ".output"), x], s), s + ".output.LayerNorm")
    g.nodes[-1].output[0] = "last_hidden_state"
    graph = helper.make_graph(g.nodes, "bert_base", [helper.make_tensor_value_info("input_ids", TensorProto.INT64,
                              ["batch", seq])],
                              [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                                             ["batch", seq, hidden])], g.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="slimscope-bench")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    for name, build in (("resnet50", resnet50), ("bert_base", bert_base)):
        model = build()
        model.ir_version = 8
        onnx.checker.check_model(model)
        path = os.path.join(out, name + ".onnx")
        onnx.save(model, path)
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
