// S2S_ENUM: an enum and its words declared at once; words <-> values both ways, and the
// config rule of an enum option lists exactly its words.
#include "core/EnumNames.h"

#include <gtest/gtest.h>

namespace s2s {

S2S_ENUM(Fruit, apple, blood_orange, kiwi);

namespace {

TEST(EnumNames, WordsAreTheEnumeratorsInOrder) {
  EXPECT_EQ(enum_words<Fruit>(), (std::vector<std::string>{"apple", "blood_orange", "kiwi"}));
  EXPECT_EQ(name_of(Fruit::apple), "apple");
  EXPECT_EQ(name_of(Fruit::blood_orange), "blood_orange");
  EXPECT_EQ(name_of(Fruit::kiwi), "kiwi");
  static_assert(name_of(Fruit::kiwi) == "kiwi", "usable at compile time");
}

TEST(EnumNames, ParsesItsWordsAndNothingElse) {
  for (const Fruit f : {Fruit::apple, Fruit::blood_orange, Fruit::kiwi})
    EXPECT_EQ(parse_enum<Fruit>(name_of(f)), f);
  EXPECT_FALSE(parse_enum<Fruit>("Apple").has_value());  // case matters
  EXPECT_FALSE(parse_enum<Fruit>("blood").has_value());  // no prefixes
  EXPECT_FALSE(parse_enum<Fruit>("").has_value());
  EXPECT_FALSE(parse_enum<Fruit>("apple, kiwi").has_value());
}

TEST(EnumNames, AValueNoWordNamesHasTheEmptyName) {
  EXPECT_EQ(name_of(static_cast<Fruit>(3)), "");
}

TEST(EnumNames, TheConfigRuleIsOneOfTheWords) {
  EXPECT_EQ(words_of<Fruit>().choices, enum_words<Fruit>());
}

}  // namespace
}  // namespace s2s
