# Verification in ONNX Runtime (core/runtime). Included from tests/core/CMakeLists.txt. The ONNX Runtime cases
# fail in CI and skip elsewhere when Slimscope is built without it; the .npy / TensorProto readers and output statistics run either way.
slimscope_add_test(tst_runtime SOURCES tst_runtime.cpp runtimetestsupport.h LABELS core LIBS slimscope_core slimscope_fixtures Qt6::Core)
# onnxruntime-node installed by scripts/fetch-onnxruntime.sh, for ../shared/tools/ort_compare.mjs (the oracle).
target_compile_definitions(tst_runtime PRIVATE
    SLIMSCOPE_ORT_NODE_DIR="${PROJECT_SOURCE_DIR}/third_party/onnxruntime/node")
slimscope_add_test(tst_runtimeinputs SOURCES tst_runtimeinputs.cpp runtimetestsupport.h LABELS core
    LIBS slimscope_core slimscope_fixtures Qt6::Core)
