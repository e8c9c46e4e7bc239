#include "data/DataOptions.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace s2s {
namespace {

// Collects what fields() declares, the way the config loader sees it.
struct Collector {
  std::set<std::string> keys;
  bool documented = true;
  template <class T>
  void operator()(const char* key, T&, const char* doc, const FieldRule&) {
    keys.insert(key);
    documented = documented && doc && *doc;
  }
};

TEST(DataOptions, DeclaresEveryKeyOnceWithADoc) {
  DataOptions o;
  Collector c;
  o.fields(c);
  EXPECT_EQ(c.keys, (std::set<std::string>{"dir", "max_tokens", "groups", "max_sentences", "max_source_length",
                                           "max_target_length", "bucket_width", "shuffle", "align_ranks", "prefetch_batches",
                                           "verify_checksums"}));
  EXPECT_TRUE(c.documented);
}

TEST(DataOptions, DefaultsAreWithinTheirRules) {
  DataOptions o;
  struct Check {
    void operator()(const char* key, int& v, const char*, const FieldRule& r) {
      if (r.min) {
        EXPECT_GE(v, *r.min) << key;
      }
      if (r.max) {
        EXPECT_LE(v, *r.max) << key;
      }
    }
    void operator()(const char* key, std::string& v, const char*, const FieldRule& r) {
      if (r.non_empty) {
        EXPECT_FALSE(v.empty()) << key;
      }
    }
    void operator()(const char*, bool&, const char*, const FieldRule&) {}
  } check;
  o.fields(check);
}

}  // namespace
}  // namespace s2s
