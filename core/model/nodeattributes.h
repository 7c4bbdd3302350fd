#pragma once

// Reading a node's scalar attributes with the default the operator's schema gives when one is absent.

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string_view>

namespace slimscope::core::model {

inline std::int64_t intAttribute(const onnx::NodeProto& node, std::string_view name, std::int64_t fallback)
{
    for (const auto& attribute : node.attribute())
        if (attribute.name() == name)
            return attribute.i();
    return fallback;
}

inline double floatAttribute(const onnx::NodeProto& node, std::string_view name, double fallback)
{
    for (const auto& attribute : node.attribute())
        if (attribute.name() == name)
            return attribute.f();
    return fallback;
}

} // namespace slimscope::core::model
