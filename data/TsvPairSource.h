#pragma once
// Pairs from one file of `source<TAB>target` lines (the format of most parallel-corpus
// dumps, and of the test split that `s2s prep` writes back).
#include "data/LineReader.h"
#include "data/PairSource.h"

namespace s2s {

class TsvPairSource : public PairSource {
 public:
  TsvPairSource(const std::string& path, int64_t max_line_bytes);

  bool next(TextPair& pair) override;
  void rewind() override { reader_.rewind(); }
  std::string name() const override { return reader_.path(); }
  std::string where(int64_t line) const override;
  int64_t progress_total() const override { return reader_.file_size(); }
  int64_t progress_done() const override { return reader_.bytes_read(); }
  std::string progress_unit() const override { return "B"; }

 private:
  LineReader reader_;
};

}  // namespace s2s
