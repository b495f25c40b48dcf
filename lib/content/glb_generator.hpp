// The builtin glb generator: a glTF 2.0 binary (GLB) of one mesh derived from the prompt, a
// sphere whose surface rises and falls with waves drawn from the prompt's dice, with normals
// and a material of the prompt's colour. Valid for the Khronos glTF validator.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

namespace agentd::content {

// `segments`: the mesh's resolution (8..128, default 32), checked by builtin_input.
std::string make_glb(const std::string& prompt, int segments);

}  // namespace agentd::content
