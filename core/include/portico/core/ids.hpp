#pragma once

#include <string>
#include <string_view>

#include "portico/core/random.hpp"

namespace portico::core {

// Object id prefixes, Stripe-like: the prefix says what the object is.
namespace id_prefix {
inline constexpr std::string_view kPartner = "ptn";
inline constexpr std::string_view kApiKey = "key";
inline constexpr std::string_view kCustomer = "cus";
inline constexpr std::string_view kDomain = "dom";
inline constexpr std::string_view kDnsRecord = "dns";
inline constexpr std::string_view kCertificate = "ssl";
inline constexpr std::string_view kHosting = "hst";
inline constexpr std::string_view kOrder = "ord";
inline constexpr std::string_view kInvoice = "inv";
inline constexpr std::string_view kEvent = "evt";
inline constexpr std::string_view kWebhook = "wh";
inline constexpr std::string_view kDelivery = "dlv";
inline constexpr std::string_view kRequest = "req";
inline constexpr std::string_view kIntent = "itn";
}  // namespace id_prefix

inline constexpr std::size_t kIdRandomChars = 24;

// "<prefix>_<24 base62>"; 24 base62 characters hold 142 bits, enough never to collide.
std::string make_id(std::string_view prefix, Random& random);

// True when `id` has this prefix and a well-formed random part; anything else is refused
// before it reaches the store.
bool is_id(std::string_view id, std::string_view prefix);

}  // namespace portico::core
