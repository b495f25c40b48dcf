#include "core/json_text.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cmath>

using namespace agentd;

TEST(JsonText, DoublesAreWrittenAsPlainDecimals) {
  EXPECT_EQ(json_text(boost::json::value(0.05)), "0.05");
  EXPECT_EQ(json_text(boost::json::parse(R"({"a":[0.000001,12.5,3,-0.25],"b":"x\"y","c":null})")),
            R"({"a":[0.000001,12.5,3,-0.25],"b":"x\"y","c":null})");
  EXPECT_EQ(json_text(boost::json::value(1e300)), "1e+300");
  EXPECT_EQ(json_text(boost::json::value(std::nan(""))), "null");
  EXPECT_EQ(json_text(boost::json::object{{"n", 1}}), R"({"n":1})");
}
