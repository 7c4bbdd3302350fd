# core/runtime: verification in ONNX Runtime. Included from core/CMakeLists.txt after slimscope_core is defined.
# ONNX Runtime is optional: without it the sources still build, and verify() returns
# Error{Unsupported, "built without ONNX Runtime"}.

option(SLIMSCOPE_WITH_ONNXRUNTIME "Verify models in ONNX Runtime when it is found (scripts/fetch-onnxruntime.sh)" ON)

# The top level may have looked already; otherwise look here (FindOnnxRuntime.cmake lives in cmake/).
if(SLIMSCOPE_WITH_ONNXRUNTIME AND NOT DEFINED OnnxRuntime_FOUND)
    list(APPEND CMAKE_MODULE_PATH "${PROJECT_SOURCE_DIR}/cmake")
    list(REMOVE_DUPLICATES CMAKE_MODULE_PATH)
    find_package(OnnxRuntime)
endif()

target_sources(slimscope_core PRIVATE
    runtime/session.cpp
    runtime/inputs.cpp
    runtime/inputset.cpp
    runtime/calibration.cpp
    runtime/verify.cpp
    runtime/versions.cpp
)
# The ONNX version the build found (its headers carry none); for --version and the About dialog.
target_compile_definitions(slimscope_core PRIVATE SLIMSCOPE_ONNX_VERSION="${ONNX_VERSION}")

if(SLIMSCOPE_WITH_ONNXRUNTIME AND OnnxRuntime_FOUND)
    # PUBLIC define: tests and the CLI can tell at compile time; runtimeAvailable() tells at run time.
    target_compile_definitions(slimscope_core PUBLIC SLIMSCOPE_HAVE_ONNXRUNTIME=1)
    target_link_libraries(slimscope_core PRIVATE OnnxRuntime::OnnxRuntime)
    message(STATUS "ONNX Runtime: ${OnnxRuntime_LIBRARY} (headers ${OnnxRuntime_VERSION}, ${OnnxRuntime_INCLUDE_DIR})")
else()
    target_compile_definitions(slimscope_core PUBLIC SLIMSCOPE_HAVE_ONNXRUNTIME=0)
    message(STATUS "ONNX Runtime: not used; model verification is disabled (run scripts/fetch-onnxruntime.sh)")
endif()
