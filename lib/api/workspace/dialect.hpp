// The Workspace API at /api/v1 (API.md 5, seed 002): Laravel's conventions.
#pragma once

#include "api/common/dialect.hpp"
#include "api/common/services.hpp"

namespace agentd::api::workspace {

Dialect descriptor();
void install(Dispatcher& dispatcher, const Services& services);

// Each file's routes (tokens.cpp and agents.cpp, contacts.cpp, records.cpp, rooms.cpp).
void add_token_and_agent_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_contact_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_record_routes(Dispatcher& d, const Dialect& dialect, const Services& s);
void add_room_routes(Dispatcher& d, const Dialect& dialect, const Services& s);

}  // namespace agentd::api::workspace
