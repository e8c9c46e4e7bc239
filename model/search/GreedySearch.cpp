#include "model/search/GreedySearch.h"

#include "data/TokenIds.h"
#include "model/search/SearchInput.h"

namespace s2s {

GreedySearch::GreedySearch(StepModel& model, SearchOptions options)
    : model_(model), options_(std::move(options)) {
  options_.beam_size = 1;  // irrelevant here; keeps validate() about the fields that matter
  options_.n_best = 1;
  options_.validate();
}

std::vector<Hypothesis> GreedySearch::search(const torch::Tensor& src,
                                             const torch::Tensor& src_lengths) {
  torch::NoGradGuard no_grad;
  const std::vector<int64_t> src_len = checked_source_lengths("GreedySearch", src, src_lengths);
  const int64_t B = src.size(0);

  EncoderOutput enc = model_.encode(src, src_lengths);
  DecoderState state = model_.initial_state(enc);
  const auto device = enc.annotations.device();

  std::vector<Hypothesis> results(B);
  // Running sums in float32, the precision of log_probs: BeamSearch accumulates the same
  // float32 additions, so beam_size 1 reproduces these scores bit for bit.
  std::vector<float> sum(B, 0.0f);
  std::vector<std::vector<torch::Tensor>> attention(B);  // per sentence: one (T_src) row per step
  std::vector<int64_t> alive(B);                         // row -> sentence
  for (int64_t b = 0; b < B; ++b) alive[b] = b;
  std::vector<int64_t> prev(B, kBosId);

  for (int64_t t = 0; !alive.empty(); ++t) {
    const auto n = static_cast<int64_t>(alive.size());
    const StepOutput out =
        model_.step(enc, state, torch::tensor(prev, torch::kLong).to(device));
    const auto log_probs = out.log_probs.to(torch::kFloat);  // (n, V)
    const auto best = log_probs.max(1);
    const auto host = torch::stack({std::get<0>(best), log_probs.select(1, kEosId)}).cpu();
    // host (2, n): best log-prob and </s> log-prob of every row
    const auto best_id = std::get<1>(best).cpu();
    const auto h_acc = host.accessor<float, 2>();
    const auto id_acc = best_id.accessor<int64_t, 1>();
    torch::Tensor attn;
    if (options_.keep_attention) attn = out.attention.to(torch::kFloat).cpu();

    std::vector<int64_t> keep;
    std::vector<int64_t> next_alive;
    prev.clear();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t b = alive[i];
      Hypothesis& h = results[b];
      const bool forced = t == options_.max_length(src_len[b]);
      const int64_t token = forced ? kEosId : id_acc[i];
      const float lp = forced ? h_acc[1][i] : h_acc[0][i];
      sum[b] = sum[b] + lp;
      if (options_.keep_attention) attention[b].push_back(attn[i]);
      if (token == kEosId) {
        h.log_prob = sum[b];
        h.score = h.log_prob / options_.length_normaliser(t + 1);
        h.reached_max_length = forced;
        if (options_.keep_attention)
          h.attention = torch::stack(attention[b]).slice(1, 0, src_len[b]).contiguous();
        continue;
      }
      h.tokens.push_back(token);
      keep.push_back(i);
      next_alive.push_back(b);
      prev.push_back(token);
    }
    if (next_alive.empty()) break;
    if (static_cast<int64_t>(keep.size()) == n) {
      state = out.state;
    } else {  // drop the rows that ended
      const auto idx = torch::tensor(keep, torch::kLong).to(device);
      enc = enc.index_select(idx);
      state = out.state.index_select(idx);
    }
    alive = std::move(next_alive);
  }
  return results;
}

}  // namespace s2s
