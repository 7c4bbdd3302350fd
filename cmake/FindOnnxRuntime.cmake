# FindOnnxRuntime
# ---------------
# Finds ONNX Runtime's C/C++ API headers and its shared library.
#
# Searched, in this order (headers and library always from the same place):
#   1. OnnxRuntime_ROOT (-D or environment): ROOT/include[/onnxruntime] and ROOT/lib
#   2. third_party/onnxruntime/ of this source tree, filled by scripts/fetch-onnxruntime.sh
#      (Debian 13's 1.21 headers with the 1.30 library of the npm package onnxruntime-node)
#   3. the system, e.g. Debian's libonnxruntime-dev: /usr/include/onnxruntime, /usr/lib/<multiarch>/libonnxruntime.so
#
# Result variables: OnnxRuntime_FOUND, OnnxRuntime_INCLUDE_DIR, OnnxRuntime_LIBRARY, OnnxRuntime_VERSION
# (1.<ORT_API_VERSION> of the headers, e.g. 1.21; the C API is versioned, so a newer library works with them).
# Imported target: OnnxRuntime::OnnxRuntime (GLOBAL). Its IMPORTED_LOCATION is the full path of the versioned
# library file, so CMake puts that folder in the build tree's RPATH and programs run from the build folder
# without LD_LIBRARY_PATH.

set(_ort_third_party "${CMAKE_CURRENT_LIST_DIR}/../third_party/onnxruntime")
get_filename_component(_ort_third_party "${_ort_third_party}" ABSOLUTE)

# Places to try one after the other; the first with both header and library wins.
set(_ort_prefixes)
if(OnnxRuntime_ROOT)
    list(APPEND _ort_prefixes "${OnnxRuntime_ROOT}")
elseif(DEFINED ENV{OnnxRuntime_ROOT})
    list(APPEND _ort_prefixes "$ENV{OnnxRuntime_ROOT}")
endif()
list(APPEND _ort_prefixes "${_ort_third_party}")

if(NOT OnnxRuntime_INCLUDE_DIR OR NOT OnnxRuntime_LIBRARY)
    foreach(_prefix IN LISTS _ort_prefixes)
        find_path(_ort_include onnxruntime_cxx_api.h
                  PATHS "${_prefix}/include" PATH_SUFFIXES onnxruntime NO_DEFAULT_PATH NO_CACHE)
        find_library(_ort_library NAMES onnxruntime libonnxruntime.so.1
                     PATHS "${_prefix}/lib" "${_prefix}/lib64" NO_DEFAULT_PATH NO_CACHE)
        if(_ort_include AND _ort_library)
            set(OnnxRuntime_INCLUDE_DIR "${_ort_include}" CACHE PATH "ONNX Runtime C/C++ API headers")
            set(OnnxRuntime_LIBRARY "${_ort_library}" CACHE FILEPATH "ONNX Runtime shared library")
            break()
        endif()
        unset(_ort_include)
        unset(_ort_library)
    endforeach()
    # The system (CMAKE_PREFIX_PATH, /usr, /usr/lib/<multiarch>).
    find_path(OnnxRuntime_INCLUDE_DIR onnxruntime_cxx_api.h PATH_SUFFIXES onnxruntime
              DOC "ONNX Runtime C/C++ API headers")
    find_library(OnnxRuntime_LIBRARY NAMES onnxruntime DOC "ONNX Runtime shared library")
endif()

if(OnnxRuntime_INCLUDE_DIR AND EXISTS "${OnnxRuntime_INCLUDE_DIR}/onnxruntime_c_api.h")
    file(STRINGS "${OnnxRuntime_INCLUDE_DIR}/onnxruntime_c_api.h" _ort_api_line
         REGEX "^#define ORT_API_VERSION [0-9]+")
    string(REGEX REPLACE "^#define ORT_API_VERSION ([0-9]+).*" "1.\\1" OnnxRuntime_VERSION "${_ort_api_line}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OnnxRuntime
    REQUIRED_VARS OnnxRuntime_LIBRARY OnnxRuntime_INCLUDE_DIR
    VERSION_VAR OnnxRuntime_VERSION)

if(OnnxRuntime_FOUND AND NOT TARGET OnnxRuntime::OnnxRuntime)
    # The versioned file, not the unversioned development symlink: its folder goes into the RPATH and the
    # linker records its SONAME (libonnxruntime.so.1 from onnxruntime-node, libonnxruntime.so.1.21 from Debian).
    get_filename_component(_ort_real "${OnnxRuntime_LIBRARY}" REALPATH)
    add_library(OnnxRuntime::OnnxRuntime SHARED IMPORTED GLOBAL)
    set_target_properties(OnnxRuntime::OnnxRuntime PROPERTIES
        IMPORTED_LOCATION "${_ort_real}"
        INTERFACE_INCLUDE_DIRECTORIES "${OnnxRuntime_INCLUDE_DIR}")
endif()

mark_as_advanced(OnnxRuntime_INCLUDE_DIR OnnxRuntime_LIBRARY)
unset(_ort_third_party)
unset(_ort_prefixes)
unset(_ort_real)
unset(_ort_api_line)
