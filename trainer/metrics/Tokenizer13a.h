#pragma once
// sacreBLEU's default BLEU tokenisation "13a" (mteval-v13a.pl as sacreBLEU implements it),
// reproduced rule for rule so that BLEU agrees with sacreBLEU to the fourth decimal:
//   1. remove "<skipped>", join "-\n" line breaks, newlines become spaces;
//   2. unescape &quot; &amp; &lt; &gt;;
//   3. pad with spaces: the ASCII symbols {|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ and /;
//      '.' and ',' unless preceded by a digit; '.' and ',' unless followed by a digit;
//      '-' when preceded by a digit;
//   4. split on (Unicode) whitespace and join with single spaces.
// Each regex substitution of step 3 is applied as Python's re.sub does: leftmost,
// non-overlapping matches, left to right, each rule over the output of the previous one.
#include <string>
#include <string_view>
#include <vector>

namespace s2s {

class Tokenizer13a {
 public:
  // The tokens of `line` (what sacreBLEU's tokenizer returns, split on spaces).
  std::vector<std::string> operator()(std::string_view line) const;
};

}  // namespace s2s
