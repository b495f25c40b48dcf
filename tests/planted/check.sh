#!/usr/bin/env bash
# Plants each defect of tests/README.md in the working tree, one at a time, rebuilds, runs the
# tests that must catch it, and restores the file. Prints one line per defect: caught or MISSED.
# Run from a clean working tree (it restores files with git checkout); about a minute a defect.
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! git diff --quiet; then echo "commit or stash your changes first"; exit 2; fi
missed=0

plant() {  # file, text, replacement, gtest filter, description
  local file="$1" old="$2" new="$3" filter="$4" what="$5"
  python3 - "$file" "$old" "$new" <<'PY' || { echo "stale: $what (pattern not found in $1)"; missed=1; return; }
import sys
p, a, b = sys.argv[1:4]
s = open(p).read()
if a not in s: sys.exit(1)
open(p, 'w').write(s.replace(a, b, 1))
PY
  cmake --build build >/dev/null 2>&1
  if ./build/tests/integration_tests --gtest_filter="$filter" >/dev/null 2>&1 &&
     ./build/tests/unit_tests --gtest_filter="$filter" >/dev/null 2>&1; then
    echo "MISSED: $what"; missed=1
  else
    echo "caught: $what"
  fi
  git checkout -q -- "$file"
}

plant lib/agents/registry.cpp 'WHERE org_id = ?1 AND (id = ?2 OR uuid = ?2 OR slug = ?2)' \
  'WHERE (org_id = ?1 AND slug = ?2) OR id = ?2 OR uuid = ?2' 'Isolation.*:AgentsApi.Another*' \
  'an agent found by id or uuid without its organization'
plant lib/access/gate.cpp '          else release_credits(c, *pass.reservation);' '          else (void)0;' 'Billing.*' \
  'a reservation never released when the request fails'
plant lib/access/rate_limiter.cpp '  return {window(s.minute), window(s.hour)};' \
  '  return {window(s.minute), {window(s.hour).limit, window(s.hour).remaining, window(s.minute).reset_unix}};' \
  'Billing.TheHour*' 'X-RateLimit-Reset-Hour from the minute bucket'
plant lib/access/gate.cpp '  std::string route = "POST " + std::string(call.url.path());' '  std::string route = "POST";' \
  'Billing.AReplayed*' 'the idempotency record without its route'
plant lib/access/idempotency.cpp 'q.getColumn(5).getDouble() > now - kIdempotencyTtlSeconds' 'true' 'Billing.AReplayed*' \
  'the idempotency record without its 24 h expiry'
plant lib/access/gate.cpp '      for (const auto& [name, value] : claim.response.headers) pass.replay->set(name, value);' '' \
  'Billing.AReplayed*' 'a replayed completion without X-Session-Id'
plant lib/agents/sessions.cpp 'ORDER BY updated_unix DESC, id DESC LIMIT' 'ORDER BY id DESC LIMIT' 'Chat.Sessions*' \
  'sessions listed by creation instead of last update'
plant lib/access/rate_limiter.hpp 'return tokens_ >= 1.0;' 'return tokens_ > 1.0;' 'RateLimiter.*:ExternalApi.*' \
  'the limiter admitting at tokens > 1'
plant lib/access/gate.cpp '  res.set("X-RateLimit-Reset-Hour", std::to_string(s.hour.reset_unix));' '' \
  'ExternalApi.EveryAuthenticated*' 'a rate-limit header dropped'
plant lib/api/common/dispatcher.cpp '      if (pass.reservation)
        ctx.charge_now' '      if (false)
        ctx.charge_now' 'CrashConsistency.*' 'a streamed turn charged after its last event (SIGKILL at [DONE])'
plant lib/api/common/dispatcher.cpp '  if (route.scope.empty()) co_return std::nullopt;
  std::optional<AppError> error;' '  co_return std::nullopt;
  std::optional<AppError> error;' 'HttpHardening.Bodies*' 'the key checked only after the body was read'
plant lib/http/server.cpp '      pause.expires_after(std::chrono::milliseconds(out_of_files ? 100 : 10));' \
  '      pause.expires_after(std::chrono::milliseconds(0));' 'HttpHardening.OutOf*' 'accept errors retried without pause'
plant lib/agents/context.cpp '    if (used + turn > budget) break;' '    if (used > budget) break;' \
  'ContextBudget.*:LongConversation.Two*' 'one turn too many kept beyond the context budget'
plant lib/agents/sessions.cpp 'WHERE id = ? AND summary_through < ?");' 'WHERE id = ? AND summary_through < ? AND 0");' \
  'LongConversation.Two*' 'the running summary never stored (every turn reads the whole history)'
plant lib/models/summary.cpp '  return sum * (l.user ? 1.0 : 0.5) * (l.question ? 0.5 : 1.0);' '  return 1.0;' \
  'Summary.*:LongConversation.TheBuiltin*' 'the summary dropping its oldest lines instead of its least informative'
plant lib/agents/chat_turn.cpp 'constexpr std::size_t kPreamble = 8;' 'constexpr std::size_t kPreamble = 0;' \
  'LongConversation.AClients*' "a client's system prompt summarized away with its first turn"
plant lib/db/records.cpp '" FROM " + kind.table + " WHERE id = ? AND org_id = ?");
  bind_all(q, id, org_id);
  if (!q.executeStep()) return std::nullopt;
  return read_record' '" FROM " + kind.table + " WHERE id = ? AND (org_id = ? OR 1)");
  bind_all(q, id, org_id);
  if (!q.executeStep()) return std::nullopt;
  return read_record' 'WorkspaceApi.AnotherTeam*' "a Workspace object read without its team"
plant lib/db/records.cpp '    throw invalid_fields(std::move(violations));' \
  '    throw invalid_fields({violations.front()});' 'WorkspaceApi.Laravel*' \
  'a 422 naming only the first failing field'
plant lib/access/gate.cpp '  if (!key || key->agent_id.has_value() != !agent_secret.empty())' '  if (!key)' \
  'WorkspaceApi.AgentAuthKeys*' "an agent's auth key accepted as a Bearer key"
plant lib/agents/reminders.cpp 'WHERE id = ? AND org_id = ? AND dispatched_at IS NULL");' 'WHERE id = ? AND org_id = ?");' \
  'WorkspaceKnowledge.AReminderDue*' 'a reminder posted again when its job runs twice'
plant lib/content/storage.cpp '  return sig.size() == expected.size() && CRYPTO_memcmp(sig.data(), expected.data(), expected.size()) == 0;' \
  '  return true;' 'Content.TheSeedsFlow*' 'a storage URL served whatever its signature'
plant lib/content/content_service.cpp '      if (auto hold = access::find_reservation(c, item->reservation_id)) access::release_credits(c, *hold);' '' \
  'Content.AGenerationThatFails*' "a failed generation's hold never released"
plant lib/content/content_items.cpp 'kSelect + "WHERE c.id = ? AND c.org_id = ?"' 'kSelect + "WHERE c.id = ? AND (c.org_id = ? OR 1)"' \
  'Content.PagingFilters*' "another organization's content found by its id"
exit $missed
