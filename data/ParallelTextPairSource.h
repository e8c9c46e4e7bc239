#pragma once
// Pairs from two line-parallel files, line i of the source file with line i of the target
// file (the layout of Moses-style corpora: train.de, train.en).
#include "data/LineReader.h"
#include "data/PairSource.h"

namespace s2s {

class ParallelTextPairSource : public PairSource {
 public:
  ParallelTextPairSource(const std::string& source_path, const std::string& target_path, int64_t max_line_bytes);

  bool next(TextPair& pair) override;
  void rewind() override;
  std::string name() const override;
  std::string where(int64_t line) const override;
  int64_t progress_total() const override { return source_.file_size() + target_.file_size(); }
  int64_t progress_done() const override { return source_.bytes_read() + target_.bytes_read(); }
  std::string progress_unit() const override { return "B"; }

 private:
  LineReader source_;
  LineReader target_;
};

}  // namespace s2s
