#pragma once
// Dropout masks that belong to a training pair, not to whoever computes it.
//
// torch::dropout draws from the generator of the process that runs it, so the same update
// computed on 4 ranks, on 2, or on 1 with accumulation drops different units: the run
// changes with the world size. Here every mask element is a counter-based hash
// (SplitMix64, the finaliser of Steele, Lea and Flood 2014, as in java.util.SplittableRandom):
//
//   update key  = mix(mix(seed) + update * G)
//   row key     = mix(update key + (pair id + 1) * G)
//   site key    = mix(row key ^ mix(site * 256 + layer))
//   element     = mix(site key + (position * F + unit + 1) * G)      G = 0x9e3779b97f4a7c15
//   kept        = (element >> 40) >= round(p * 2^24),  scaled by 1 / (1 - p)
//
// so a mask depends on (run.seed, update, pair id, site, layer, position, unit) only: not on
// the rank, the batch's other pairs, its padded lengths or the order of the rows. The rate
// has 24-bit resolution. `variational` masks (Gal and Ghahramani 2016) use position 0 for
// every position: one mask per sequence, the same at every time step.
// B = rows, T = positions, F = units per position.
#include <torch/torch.h>

#include <cstdint>

namespace s2s {

// Where a mask is applied; part of the hash, so two sites never share a mask. Values are
// fixed: changing one changes every run's dropout.
enum class DropoutSite : uint64_t {
  source_embedding = 1,
  encoder_layer = 2,    // between stacked encoder layers
  target_embedding = 3,
  decoder_layer = 4,    // between stacked decoder cells
  readout_output = 5,   // before the output projection
  context = 6,          // the attention context c_t
  readout_input = 7,    // the readout's inputs s_t, E y_{t-1}, c_t (layer 0, 1, 2)
  source_word = 8,      // whole source tokens
};

class DropoutMasks {
 public:
  // pair_ids: (B) int64 on the CPU, a pair's id in its corpus split (Batch::example_ids).
  DropoutMasks(uint64_t seed, uint64_t update, const torch::Tensor& pair_ids);

  // Masks keyed by torch's default generator (for a plain forward() in training mode, where
  // no one gives pair ids): reproducible under torch::manual_seed, like torch::dropout.
  static DropoutMasks random(int64_t rows);

  int64_t rows() const { return row_keys_.size(0); }

  // The mask for (site, layer) over T positions of F units: values 0 and 1 / (1 - p), dtype
  // `options`. Shape (B, T, F); (B, 1, F) when same_for_all_positions (position 0 used);
  // (B, T, 1) when same_for_all_units (unit 0 used).
  torch::Tensor mask(DropoutSite site, int64_t layer, int64_t T, int64_t F, double p,
                     bool same_for_all_positions, bool same_for_all_units,
                     const torch::TensorOptions& options) const;

  // mask() as a chain of tensor ops on the given device (what mask() runs off the CPU; on
  // the CPU it runs mask_on_host, which gives the same bits in one pass).
  torch::Tensor mask_by_tensor_ops(DropoutSite site, int64_t layer, int64_t T, int64_t F, double p,
                                   bool same_for_all_positions, bool same_for_all_units,
                                   const torch::TensorOptions& options) const;

  // x * mask for x (B, T, F); returns x itself when p == 0.
  torch::Tensor apply(const torch::Tensor& x, DropoutSite site, int64_t layer, double p,
                      bool variational = false) const;

  // SplitMix64's finaliser: a bijection of 64-bit words that mixes every input bit.
  static uint64_t mix(uint64_t z);
  static constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

 private:
  explicit DropoutMasks(torch::Tensor row_keys) : row_keys_(std::move(row_keys)) {}

  // (B) int64 on the CPU: each row's key for (site, layer).
  torch::Tensor site_keys(DropoutSite site, int64_t layer) const;
  // mask() on the CPU: one loop over the elements.
  torch::Tensor mask_on_host(DropoutSite site, int64_t layer, int64_t T, int64_t F, double p,
                             bool same_for_all_positions, bool same_for_all_units,
                             const torch::TensorOptions& options) const;

  torch::Tensor row_keys_;  // (B) int64 on the CPU: the row keys, bit patterns of uint64
};

}  // namespace s2s
