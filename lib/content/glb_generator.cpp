#include "content/glb_generator.hpp"

#include <boost/json.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace agentd::content {
namespace json = boost::json;
namespace {

std::uint64_t seed_of(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

double unit(std::uint64_t& s) {
  s ^= s >> 12;
  s ^= s << 25;
  s ^= s >> 27;
  return static_cast<double>((s * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

template <class T>
void append(std::string& out, const std::vector<T>& v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

void put_u32(std::string& out, std::uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // GLB is little-endian, as this machine
  out.append(b, 4);
}

}  // namespace

std::string make_glb(const std::string& prompt, int segments) {
  std::uint64_t dice = seed_of(prompt);
  if (dice == 0) dice = 1;
  // Waves over the sphere: three frequencies and phases from the prompt.
  std::array<double, 6> wave{};
  for (auto& w : wave) w = unit(dice);
  const int rings = segments, sectors = segments * 2;
  std::vector<float> positions, normals;
  std::vector<std::uint16_t> indices;
  std::array<float, 3> lo{std::numeric_limits<float>::max(), std::numeric_limits<float>::max(), std::numeric_limits<float>::max()};
  std::array<float, 3> hi{-lo[0], -lo[1], -lo[2]};
  auto radius = [&](double theta, double phi) {
    return 1.0 + 0.18 * std::sin((2 + 5 * wave[0]) * theta + 6.28 * wave[1]) * std::cos((1 + 4 * wave[2]) * phi + 6.28 * wave[3]) +
           0.08 * std::sin((3 + 7 * wave[4]) * (theta + phi) + 6.28 * wave[5]);
  };
  for (int r = 0; r <= rings; ++r) {
    const double theta = M_PI * r / rings;
    for (int s = 0; s <= sectors; ++s) {
      const double phi = 2 * M_PI * s / sectors;
      const double k = radius(theta, phi);
      const std::array<float, 3> p{static_cast<float>(k * std::sin(theta) * std::cos(phi)), static_cast<float>(k * std::cos(theta)),
                                   static_cast<float>(k * std::sin(theta) * std::sin(phi))};
      // The normal of the displaced surface, by finite differences along both directions.
      const double e = 1e-3;
      auto at = [&](double t, double f) {
        const double q = radius(t, f);
        return std::array<double, 3>{q * std::sin(t) * std::cos(f), q * std::cos(t), q * std::sin(t) * std::sin(f)};
      };
      const auto a = at(theta + e, phi), b = at(theta - e, phi), c = at(theta, phi + e), d = at(theta, phi - e);
      const std::array<double, 3> dt{a[0] - b[0], a[1] - b[1], a[2] - b[2]}, df{c[0] - d[0], c[1] - d[1], c[2] - d[2]};
      std::array<double, 3> n{dt[1] * df[2] - dt[2] * df[1], dt[2] * df[0] - dt[0] * df[2], dt[0] * df[1] - dt[1] * df[0]};
      double len = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      if (len < 1e-12) n = {p[0], p[1], p[2]}, len = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      // Outward: the same side as the position.
      const double sign = (n[0] * p[0] + n[1] * p[1] + n[2] * p[2]) < 0 ? -1 : 1;
      for (int i = 0; i < 3; ++i) {
        positions.push_back(p[static_cast<std::size_t>(i)]);
        normals.push_back(static_cast<float>(sign * n[static_cast<std::size_t>(i)] / len));
        lo[static_cast<std::size_t>(i)] = std::min(lo[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(i)]);
        hi[static_cast<std::size_t>(i)] = std::max(hi[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(i)]);
      }
    }
  }
  for (int r = 0; r < rings; ++r)
    for (int s = 0; s < sectors; ++s) {
      const auto a = static_cast<std::uint16_t>(r * (sectors + 1) + s), b = static_cast<std::uint16_t>(a + sectors + 1);
      // No degenerate triangles at the poles.
      if (r != 0) indices.insert(indices.end(), {a, static_cast<std::uint16_t>(a + 1), b});
      if (r != rings - 1) indices.insert(indices.end(), {static_cast<std::uint16_t>(a + 1), static_cast<std::uint16_t>(b + 1), b});
    }
  std::string bin;
  append(bin, positions);
  const std::size_t normals_at = bin.size();
  append(bin, normals);
  const std::size_t indices_at = bin.size();
  append(bin, indices);
  while (bin.size() % 4) bin.push_back('\0');
  const std::size_t vertices = positions.size() / 3;

  auto floats = [](const std::array<float, 3>& v) { return json::array{v[0], v[1], v[2]}; };
  const json::object gltf{
      {"asset", {{"version", "2.0"}, {"generator", "agentd builtin/glb"}}},
      {"scene", 0},
      {"scenes", json::array{{{"nodes", json::array{0}}}}},
      {"nodes", json::array{{{"mesh", 0}, {"name", prompt.substr(0, 64)}}}},
      {"meshes", json::array{{{"primitives", json::array{{{"attributes", {{"POSITION", 0}, {"NORMAL", 1}}}, {"indices", 2}, {"material", 0}}}}}}},
      {"materials", json::array{{{"pbrMetallicRoughness",
                                  {{"baseColorFactor", json::array{0.2 + 0.8 * unit(dice), 0.2 + 0.8 * unit(dice), 0.2 + 0.8 * unit(dice), 1.0}},
                                   {"metallicFactor", 0.1},
                                   {"roughnessFactor", 0.6}}}}}},
      {"buffers", json::array{{{"byteLength", bin.size()}}}},
      {"bufferViews", json::array{{{"buffer", 0}, {"byteOffset", 0}, {"byteLength", normals_at}, {"target", 34962}},
                                  {{"buffer", 0}, {"byteOffset", normals_at}, {"byteLength", indices_at - normals_at}, {"target", 34962}},
                                  {{"buffer", 0}, {"byteOffset", indices_at}, {"byteLength", indices.size() * 2}, {"target", 34963}}}},
      {"accessors", json::array{{{"bufferView", 0}, {"componentType", 5126}, {"count", vertices}, {"type", "VEC3"},
                                 {"min", floats(lo)}, {"max", floats(hi)}},
                                {{"bufferView", 1}, {"componentType", 5126}, {"count", vertices}, {"type", "VEC3"}},
                                {{"bufferView", 2}, {"componentType", 5123}, {"count", indices.size()}, {"type", "SCALAR"}}}}};
  std::string text = json::serialize(gltf);
  while (text.size() % 4) text.push_back(' ');
  std::string glb;
  put_u32(glb, 0x46546C67);  // "glTF"
  put_u32(glb, 2);
  put_u32(glb, static_cast<std::uint32_t>(12 + 8 + text.size() + 8 + bin.size()));
  put_u32(glb, static_cast<std::uint32_t>(text.size()));
  put_u32(glb, 0x4E4F534A);  // JSON
  glb += text;
  put_u32(glb, static_cast<std::uint32_t>(bin.size()));
  put_u32(glb, 0x004E4942);  // BIN
  glb += bin;
  return glb;
}

}  // namespace agentd::content
