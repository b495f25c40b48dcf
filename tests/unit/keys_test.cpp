#include "access/keys.hpp"
#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace agentd;
using namespace agentd::access;

TEST(Keys, GeneratedKeysHaveThePrefixAnd32Base62Characters) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string k = generate_key();
    ASSERT_EQ(k.size(), kKeyPrefix.size() + 32);
    ASSERT_EQ(k.substr(0, kKeyPrefix.size()), kKeyPrefix);
    for (char c : k.substr(kKeyPrefix.size())) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << k;
    seen.insert(k);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(Keys, HashIsSha256) {
  const KeyHash h = hash_key("abc");
  const unsigned char expected[] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  EXPECT_TRUE(std::equal(h.begin(), h.end(), expected));
  EXPECT_TRUE(constant_time_equal(hash_key("x"), hash_key("x")));
  EXPECT_FALSE(constant_time_equal(hash_key("x"), hash_key("y")));
}

TEST(Keys, ScopesParseIntoCanonicalOrder) {
  auto s = parse_scopes("rag:read, agents:list,agents:list credits:read");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (std::vector<std::string>{"agents:list", "credits:read", "rag:read"}));
  std::string unknown;
  EXPECT_FALSE(parse_scopes("agents:list,agents:fly", &unknown));
  EXPECT_EQ(unknown, "agents:fly");
  EXPECT_EQ(default_scopes().size(), 7u);
  EXPECT_EQ(default_scopes().back(), "credits:read");
  EXPECT_EQ(all_scopes().size(), 18u);
}

TEST(Ids, UuidAndSlug) {
  const std::string u = uuid_v4();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_EQ(slugify("Company Policies"), "company-policies");
  EXPECT_EQ(slugify("  Hello, World!! 2026 "), "hello-world-2026");
  EXPECT_EQ(slugify("한국어"), "");
}
