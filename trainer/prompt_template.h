// Prompt templates: "{field}" is replaced by the dataset row's field ("{{" and "}}" are literal
// braces; a brace not around a field name, as in "\boxed{}", stays as written).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlvr::trainer {

// The field names a template uses, in order of first use.
std::vector<std::string> template_fields(const std::string& tpl);

// The template with every field filled from row (strings as is, other JSON values as JSON text).
// Throws rlvr::Error naming the missing field.
std::string render_template(const std::string& tpl, const nlohmann::json& row);

}  // namespace rlvr::trainer
