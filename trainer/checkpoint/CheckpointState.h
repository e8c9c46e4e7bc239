#pragma once
// Everything one checkpoint holds, as plain data: the trainer fills it (CheckpointCodec
// captures parameters, optimizer and RNG states into it), CheckpointStore writes it to
// RUN_DIR/checkpoints/ and reads it back. The file layout is in trainer/checkpoint/CHECKPOINT.md.
//
// Names are checked on write (validate()) so that every field maps to one HDF5 object or
// attribute a PyTorch user can find by the same name with h5py.
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace s2s {

struct CheckpointState {
  // What each rank contributes; rank 0 gathers them (index = rank).
  struct Rank {
    std::string cursor;                   // the rank's data/ReaderCursor::to_string()
    std::vector<uint8_t> cpu_rng_state;   // torch's default CPU generator
    std::vector<uint8_t> cuda_rng_state;  // the default generator of its CUDA device; empty: none
    bool operator==(const Rank& o) const {
      return cursor == o.cursor && cpu_rng_state == o.cpu_rng_state && cuda_rng_state == o.cuda_rng_state;
    }
  };
  // A scalar attribute: its type survives the round trip (int64, float64 or UTF-8 string).
  using Scalar = std::variant<int64_t, double, std::string>;

  int64_t step = 0;                                // updates done; names the file
  int64_t epoch = 0;                               // epoch the data reader is in
  std::string config_yaml;                         // the resolved config (ConfigWriter)
  std::map<std::string, std::string> vocab_hashes;  // e.g. "src", "tgt" -> SHA-256 hex
  std::map<std::string, double> metrics;           // validation metrics at `step`, e.g. "loss"
  std::map<std::string, Scalar> scalars;           // schedule, early stop, counters, ...
  // "model/<parameter path>", "optimizer/<parameter path>/exp_avg", ...; CPU or CUDA, of
  // dtype float32/64, int8/16/32/64 or uint8 (others are refused by validate()).
  std::map<std::string, torch::Tensor> tensors;
  std::vector<Rank> ranks;

  // Where the state was read from (for error messages); empty for one built in memory.
  // Not stored in the file.
  std::string source;

  int64_t world_size() const { return static_cast<int64_t>(ranks.size()); }

  // Typed access; throws s2s::Error naming `source` when the entry is missing or of
  // another type (a checkpoint from an incompatible s2s).
  const torch::Tensor& tensor(const std::string& name) const;
  int64_t int_scalar(const std::string& name) const;
  double double_scalar(const std::string& name) const;
  const std::string& string_scalar(const std::string& name) const;

  // Throws s2s::Error when a name or value cannot be stored: empty or reserved names,
  // tensor paths with empty components or under the reserved `rank/` group, undefined
  // tensors or unsupported dtypes, no ranks.
  void validate() const;

  // Attribute names of the file's root group that are not free scalars.
  static bool is_reserved_attribute(const std::string& name);
};

}  // namespace s2s
