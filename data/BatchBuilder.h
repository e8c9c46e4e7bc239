#pragma once
// The one place a Batch (see Batch.h for its layout) is assembled: pairs of id rows go in
// as the vocabulary gives them (no specials), and the batch comes out with </s> after each
// source, <s> before each teacher-forcing input, </s> after each target, padded with <pad>.
// Training batches (ExampleStore), `s2s translate`/`eval` (Translator) and tests all use it.
//
//   BatchBuilder builder;
//   builder.add(src_ids, src_n, tgt_ids, tgt_n);   // rows keep the order they are added in
//   Batch batch = builder.build();
#include <cstdint>
#include <vector>

#include "data/Batch.h"

namespace s2s {

class BatchBuilder {
 public:
  // Adds one row. `source`/`target` point at `source_n`/`target_n` ids and must stay valid
  // until build(); a target of 0 ids (a batch that is only decoded) gives <s> and </s> alone.
  // `example_id`: the pair's id within its split (Batch::example_ids), -1 when it has none.
  void add(const int32_t* source, int64_t source_n, const int32_t* target, int64_t target_n,
           int64_t example_id = -1);
  void add(const std::vector<int32_t>& source, const std::vector<int32_t>& target, int64_t example_id = -1) {
    add(source.data(), static_cast<int64_t>(source.size()), target.data(),
        static_cast<int64_t>(target.size()), example_id);
  }

  int64_t size() const { return static_cast<int64_t>(rows_.size()); }

  // The padded batch of every row added so far; `filler` marks a copy that only keeps a rank
  // in step (Batch::filler).
  Batch build(bool filler = false) const;

 private:
  struct Row {
    const int32_t* source;
    int64_t source_n;
    const int32_t* target;
    int64_t target_n;
    int64_t example_id;
  };
  std::vector<Row> rows_;
};

}  // namespace s2s
