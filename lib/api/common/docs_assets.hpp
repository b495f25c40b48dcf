// Swagger UI's files (npm swagger-ui-dist, pinned in web/package-lock.json), embedded in the
// binary at build time for the /docs page: CMakeLists.txt, lib/api/common/docs_assets.cpp.in.
#pragma once

#include <string_view>

namespace agentd::api {

std::string_view swagger_ui_bundle();
std::string_view swagger_ui_css();
std::string_view swagger_ui_version();

}  // namespace agentd::api
