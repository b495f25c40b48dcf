// Binding and reading rows without numbered bind/getColumn pairs: bind_all(q, a, b, c) binds
// ?1, ?2, ?3 (an empty optional binds NULL), and nullable<T>(column) reads NULL as nullopt.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <type_traits>

namespace agentd::db {

namespace detail {
template <class T>
void bind_one(SQLite::Statement& q, int index, const T& value) {
  if constexpr (std::is_same_v<T, bool>) q.bind(index, value ? 1 : 0);
  else q.bind(index, value);
}
template <class T>
void bind_one(SQLite::Statement& q, int index, const std::optional<T>& value) {
  if (value) bind_one(q, index, *value);
  else q.bind(index);
}
}  // namespace detail

template <class... Args>
SQLite::Statement& bind_all(SQLite::Statement& q, const Args&... args) {
  int index = 0;
  (detail::bind_one(q, ++index, args), ...);
  return q;
}

template <class T>
std::optional<T> nullable(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>) return c.getString();
  else if constexpr (std::is_same_v<T, double>) return c.getDouble();
  else if constexpr (std::is_same_v<T, std::int64_t>) return c.getInt64();
  else return static_cast<T>(c.getInt());
}

}  // namespace agentd::db
