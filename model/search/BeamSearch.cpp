#include "model/search/BeamSearch.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/TokenIds.h"
#include "model/search/SearchInput.h"

namespace s2s {

namespace {

constexpr float kDead = -std::numeric_limits<float>::infinity();

// A hypothesis still being extended: one row of the decoder batch.
struct Live {
  std::vector<int64_t> tokens;             // without <s>
  std::vector<torch::Tensor> attention;    // one (T_src) row per step, when kept
};

}  // namespace

BeamSearch::BeamSearch(StepModel& model, SearchOptions options)
    : model_(model), options_(std::move(options)) {
  options_.validate();
}

std::vector<NBest> BeamSearch::search(const torch::Tensor& src, const torch::Tensor& src_lengths) {
  torch::NoGradGuard no_grad;
  const std::vector<int64_t> src_len = checked_source_lengths("BeamSearch", src, src_lengths);
  const int64_t B = src.size(0);
  const int64_t k = options_.beam_size;
  const bool keep_attention = options_.keep_attention;

  // Every sentence gets k rows from the start; all but the first are dead (score -inf), so
  // the first step expands <s> once and every step has the same shape.
  EncoderOutput enc0 = model_.encode(src, src_lengths);
  const auto device = enc0.annotations.device();
  const auto expand = torch::arange(B, torch::kLong).repeat_interleave(k).to(device);
  EncoderOutput enc = enc0.index_select(expand);
  DecoderState state = model_.initial_state(enc0).index_select(expand);

  std::vector<int64_t> alive(B);  // block a of k rows belongs to sentence alive[a]
  for (int64_t b = 0; b < B; ++b) alive[b] = b;
  std::vector<float> sum(B * k, kDead);  // summed log-prob of each row (float32, as computed)
  for (int64_t b = 0; b < B; ++b) sum[b * k] = 0.0f;
  std::vector<Live> live(B * k);
  std::vector<int64_t> prev(B * k, kBosId);
  std::vector<NBest> finished(B);

  for (int64_t t = 0; !alive.empty(); ++t) {
    const auto n_alive = static_cast<int64_t>(alive.size());
    const StepOutput out = model_.step(enc, state, torch::tensor(prev, torch::kLong).to(device));
    const auto log_probs = out.log_probs.to(torch::kFloat);  // (R, V), R = n_alive * k
    const int64_t V = log_probs.size(1);
    const auto sum_t = torch::tensor(sum, torch::kFloat).to(device);  // (R)
    const auto candidates = (sum_t.unsqueeze(1) + log_probs).view({n_alive, k * V});
    const auto top = candidates.topk(2 * k, 1);  // 2k: at most k of them end in </s>
    const auto top_score = std::get<0>(top).cpu();
    const auto top_index = std::get<1>(top).cpu();
    const auto eos_score = (sum_t + log_probs.select(1, kEosId)).cpu();  // forced endings
    const auto score_acc = top_score.accessor<float, 2>();
    const auto index_acc = top_index.accessor<int64_t, 2>();
    const auto eos_acc = eos_score.accessor<float, 1>();
    torch::Tensor attn;
    if (keep_attention) attn = out.attention.to(torch::kFloat).cpu();  // (R, T_src)

    // Ends row `row` with </s> at summed log-prob `log_prob` as a finished hypothesis.
    auto finish = [&](int64_t sentence, int64_t row, float log_prob, bool forced) {
      Hypothesis h;
      h.tokens = live[row].tokens;
      h.log_prob = log_prob;
      h.score = h.log_prob / options_.length_normaliser(static_cast<int64_t>(h.tokens.size()) + 1);
      h.reached_max_length = forced;
      if (keep_attention) {
        std::vector<torch::Tensor> rows = live[row].attention;
        rows.push_back(attn[row]);
        h.attention = torch::stack(rows).slice(1, 0, src_len[sentence]).contiguous();
      }
      finished[sentence].push_back(std::move(h));
    };

    std::vector<int64_t> next_alive, from_row, enc_rows;
    std::vector<float> next_sum;
    std::vector<int64_t> next_prev;
    for (int64_t a = 0; a < n_alive; ++a) {
      const int64_t s = alive[a];
      if (t == options_.max_length(src_len[s])) {  // no room left: end every live row
        for (int64_t r = a * k; r < (a + 1) * k; ++r)
          if (sum[r] != kDead) finish(s, r, eos_acc[r], /*forced=*/true);
        continue;
      }
      int64_t selected = 0;
      for (int64_t j = 0; j < 2 * k && selected < k; ++j) {
        const float score = score_acc[a][j];
        if (!(score > kDead)) break;  // sorted: the rest are dead rows (or NaN) too
        const int64_t row = a * k + index_acc[a][j] / V;
        const int64_t token = index_acc[a][j] % V;
        if (token == kEosId) {
          if (j < k) finish(s, row, score, /*forced=*/false);
          continue;
        }
        from_row.push_back(row);
        next_prev.push_back(token);
        next_sum.push_back(score);
        ++selected;
      }
      if (static_cast<int64_t>(finished[s].size()) >= k || selected == 0) {  // sentence done
        from_row.resize(from_row.size() - selected);
        next_prev.resize(next_prev.size() - selected);
        next_sum.resize(next_sum.size() - selected);
        continue;
      }
      for (; selected < k; ++selected) {  // fewer than k live continuations: pad with dead rows
        from_row.push_back(a * k);
        next_prev.push_back(kEosId);
        next_sum.push_back(kDead);
      }
      next_alive.push_back(s);
      for (int64_t r = a * k; r < (a + 1) * k; ++r) enc_rows.push_back(r);
    }
    if (next_alive.empty()) break;

    std::vector<Live> next_live(from_row.size());
    for (size_t r = 0; r < from_row.size(); ++r) {
      if (next_sum[r] == kDead) continue;
      next_live[r] = live[from_row[r]];
      next_live[r].tokens.push_back(next_prev[r]);
      if (keep_attention) next_live[r].attention.push_back(attn[from_row[r]]);
    }
    state = out.state.index_select(torch::tensor(from_row, torch::kLong).to(device));
    if (next_alive.size() != alive.size())  // a sentence ended: drop its encoder rows
      enc = enc.index_select(torch::tensor(enc_rows, torch::kLong).to(device));
    alive = std::move(next_alive);
    live = std::move(next_live);
    sum = std::move(next_sum);
    prev = std::move(next_prev);
  }

  for (auto& nbest : finished) {
    std::stable_sort(nbest.begin(), nbest.end(),
                     [](const Hypothesis& x, const Hypothesis& y) { return x.score > y.score; });
    if (static_cast<int64_t>(nbest.size()) > options_.n_best) nbest.resize(options_.n_best);
  }
  return finished;
}

}  // namespace s2s
