#pragma once

#include <string>
#include <string_view>

// ASCII text helpers shared by the dialects, their simulators and validation: suppliers speak
// ASCII keywords, so locale-dependent case mapping would be wrong here.
namespace portico::core::text {

std::string lowercase(std::string_view text);
std::string uppercase(std::string_view text);
// Without leading and trailing ASCII white space (space, \t, \n, \v, \f, \r).
std::string_view trim(std::string_view text);

}  // namespace portico::core::text
