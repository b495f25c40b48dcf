// agentd: `serve` and `admin` wiring. The command-line flags and outputs are a contract that
// scripts drive (API.md section 2, docs/cli.md).
#include "access/accounts.hpp"
#include "access/credits.hpp"
#include "access/keys.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/log.hpp"
#include "db/store.hpp"
#include "server/app.hpp"

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

namespace {

using namespace agentd;

const char* kUsage = R"(usage:
  agentd serve [--listen HOST:PORT] [--data-dir DIR] [--config FILE]
  agentd admin org create --slug S [--name N] [--plan free|basic|pro|enterprise] [--credits C]
  agentd admin key create --org S [--name N] [--scopes a,b | --all-scopes] [--rpm N] [--rph N]
                          [--concurrency N] [--expires ISO8601]
  agentd admin key list --org S
  agentd admin key revoke --id ID
  agentd admin credits grant --org S --amount C
  agentd --version
Every admin command also takes --data-dir DIR and --config FILE.
)";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  std::vector<std::string> words;
  std::map<std::string, std::string> flags;
  std::set<std::string> switches;

  std::optional<std::string> get(const std::string& name) const {
    auto it = flags.find(name);
    return it == flags.end() ? std::nullopt : std::optional(it->second);
  }
  std::string need(const std::string& name) const {
    auto v = get(name);
    if (!v || v->empty()) throw UsageError("--" + name + " is required");
    return *v;
  }
};

Args parse_args(int argc, char** argv, const std::set<std::string>& switch_names) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) != 0) {
      a.words.push_back(s);
      continue;
    }
    s = s.substr(2);
    if (auto eq = s.find('='); eq != std::string::npos) {
      a.flags[s.substr(0, eq)] = s.substr(eq + 1);
    } else if (switch_names.count(s)) {
      a.switches.insert(s);
    } else {
      if (i + 1 >= argc) throw UsageError("--" + s + " needs a value");
      a.flags[s] = argv[++i];
    }
  }
  return a;
}

void allow_only(const Args& a, std::set<std::string> allowed) {
  allowed.insert({"data-dir", "config"});
  for (const auto& [k, v] : a.flags)
    if (!allowed.count(k)) throw UsageError("unknown option --" + k);
  for (const auto& k : a.switches)
    if (!allowed.count(k)) throw UsageError("unknown option --" + k);
}

Config config_from(const Args& a) {
  std::string file = a.get("config").value_or("");
  if (file.empty())
    if (const char* env = std::getenv("AGENTD_CONFIG")) file = env;
  Config c = load_config(file);
  apply_environment(c);
  if (auto v = a.get("listen")) c.listen = *v;
  if (auto v = a.get("data-dir")) c.data_dir = *v;
  return c;
}

std::optional<int> int_flag(const Args& a, const std::string& name) {
  auto v = a.get(name);
  if (!v) return std::nullopt;
  if (v->empty() || v->size() > 9 || v->find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("--" + name + " must be a non-negative integer");
  return std::stoi(*v);
}

Micros credits_flag(const std::string& name, const std::string& value) {
  auto m = parse_credits(value);
  if (!m) throw UsageError("--" + name + " must be an amount like 100 or 0.5");
  return *m;
}

access::Organization need_org(db::Conn& c, const std::string& slug) {
  auto org = access::find_org(c, slug);
  if (!org) throw std::runtime_error("no organization with slug '" + slug + "'");
  return *org;
}

int serve(const Args& a) {
  allow_only(a, {"listen"});
  Config config = config_from(a);
  std::signal(SIGPIPE, SIG_IGN);

  boost::asio::io_context ioc(1);
  App app(config, ioc, SystemClock::instance());
  if (auto key = access::bootstrap(app.store)) {
    std::printf("agentd: bootstrap key: %s\n", key->c_str());
  }
  const unsigned short port = app.start();
  std::printf("agentd: listening on %s:%u\n", http::parse_listen(config.listen).first.c_str(), port);
  std::fflush(stdout);
  log::write(log::Level::info, {{"msg", "listening"}, {"port", port}, {"data_dir", config.data_dir}});

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  bool stopping = false;
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (stopping) {
      log::warn("second signal: stopping now");
      ioc.stop();
      return;
    }
    stopping = true;
    log::write(log::Level::info, {{"msg", "shutting down"}, {"signal", sig}});
    app.stop([&] { ioc.stop(); });
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  ioc.run();
  log::info("stopped");
  log::flush();
  return 0;
}

int admin(const Args& a) {
  const auto& w = a.words;
  auto is = [&](std::initializer_list<const char*> path) {
    if (w.size() != path.size() + 1) return false;
    std::size_t i = 1;
    for (const char* p : path)
      if (w[i++] != p) return false;
    return true;
  };
  Config config = config_from(a);
  auto open = [&] { return db::Store(config.data_dir, 1); };

  if (is({"org", "create"})) {
    allow_only(a, {"slug", "name", "plan", "credits"});
    const std::string slug = a.need("slug");
    const Micros credits = a.get("credits") ? credits_flag("credits", *a.get("credits")) : 0;
    db::Store store = open();
    auto org = store.write([&](db::Conn& c) {
      return access::create_org(c, slug, a.get("name").value_or(""), a.get("plan").value_or("pro"), credits);
    });
    std::printf("organization %s created: plan %s, balance %s\n", org.slug.c_str(), org.plan.c_str(),
                format_credits(org.balance).c_str());
    return 0;
  }
  if (is({"key", "create"})) {
    allow_only(a, {"org", "name", "scopes", "all-scopes", "rpm", "rph", "concurrency", "expires"});
    const std::string slug = a.need("org");
    access::KeySpec spec;
    spec.name = a.get("name").value_or("default");
    if (a.switches.count("all-scopes")) {
      if (a.get("scopes")) throw UsageError("give --scopes or --all-scopes, not both");
      spec.scopes = access::all_scopes();
    } else if (auto s = a.get("scopes")) {
      std::string unknown;
      auto parsed = access::parse_scopes(*s, &unknown);
      if (!parsed) throw UsageError("unknown scope '" + unknown + "'");
      spec.scopes = *parsed;
    } else {
      spec.scopes = access::default_scopes();
    }
    spec.rpm = int_flag(a, "rpm");
    spec.rph = int_flag(a, "rph");
    spec.concurrency = int_flag(a, "concurrency");
    if (auto e = a.get("expires")) {
      double t = 0;
      if (!parse_iso8601(*e, t)) throw UsageError("--expires must be an ISO 8601 time like 2027-01-01T00:00:00Z");
      spec.expires_at = t;
    }
    db::Store store = open();
    auto created = store.write([&](db::Conn& c) { return access::create_key(c, need_org(c, slug), spec); });
    std::string scopes;
    for (const auto& s : spec.scopes) scopes += (scopes.empty() ? "" : ",") + s;
    std::printf("id: %s\norg: %s\nscopes: %s\n%s\n", created.id.c_str(), slug.c_str(), scopes.c_str(),
                created.secret.c_str());
    return 0;
  }
  if (is({"key", "list"})) {
    allow_only(a, {"org"});
    const std::string slug = a.need("org");
    db::Store store = open();
    auto keys = store.read([&](db::Conn& c) { return access::list_keys(c, need_org(c, slug).id); });
    const double now = SystemClock::instance().unix_seconds();
    std::printf("ID\tNAME\tPREFIX\tSTATUS\tSCOPES\tLAST_USED\tEXPIRES\tCREATED\n");
    for (const auto& k : keys) {
      double exp = 0;
      const bool expired = !k.expires_at.empty() && parse_iso8601(k.expires_at, exp) && exp <= now;
      const char* status = !k.revoked_at.empty() ? "revoked" : expired ? "expired" : "active";
      std::string scopes = k.scopes;
      std::replace(scopes.begin(), scopes.end(), ' ', ',');
      std::printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.id.c_str(), k.name.c_str(), k.prefix.c_str(), status,
                  scopes.c_str(), k.last_used_at.empty() ? "-" : k.last_used_at.c_str(),
                  k.expires_at.empty() ? "-" : k.expires_at.c_str(), k.created_at.c_str());
    }
    return 0;
  }
  if (is({"key", "revoke"})) {
    allow_only(a, {"id"});
    const std::string id = a.need("id");
    db::Store store = open();
    if (!store.write([&](db::Conn& c) { return access::revoke_key(c, id); }))
      throw std::runtime_error("no active key with id '" + id + "'");
    std::printf("revoked %s\n", id.c_str());
    return 0;
  }
  if (is({"credits", "grant"})) {
    allow_only(a, {"org", "amount"});
    const std::string slug = a.need("org");
    const Micros amount = credits_flag("amount", a.need("amount"));
    if (amount <= 0) throw UsageError("--amount must be greater than zero");
    db::Store store = open();
    const Micros balance = store.write([&](db::Conn& c) {
      return access::grant_credits(c, need_org(c, slug).id, amount, "granted by operator");
    });
    std::printf("organization %s balance: %s\n", slug.c_str(), format_credits(balance).c_str());
    return 0;
  }
  throw UsageError("unknown admin command");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse_args(argc, argv, {"all-scopes", "version", "help"});
    if (a.switches.count("version")) {
      std::printf("agentd %s\n", AGENTD_VERSION);
      return 0;
    }
    if (a.words.empty() || a.switches.count("help")) {
      std::fputs(kUsage, a.words.empty() && !a.switches.count("help") ? stderr : stdout);
      return a.switches.count("help") ? 0 : 2;
    }
    if (a.words[0] == "serve" && a.words.size() == 1) return serve(a);
    if (a.words[0] == "admin") return admin(a);
    throw UsageError("unknown command '" + a.words[0] + "'");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "agentd: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const AppError& e) {
    std::fprintf(stderr, "agentd: %s\n", e.message.c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentd: %s\n", e.what());
    return 1;
  }
}
