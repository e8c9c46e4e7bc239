#include "model/search/BeamSearch.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "data/TokenIds.h"
#include "model/search/SearchInput.h"

namespace s2s {

namespace {

constexpr float kDead = -std::numeric_limits<float>::infinity();

// A hypothesis still being extended: one row of the decoder batch.
struct Live {
  std::vector<int64_t> tokens;             // without <s>
  std::vector<torch::Tensor> attention;    // one (T_src) row per step, when kept
};

// The beam of the next step: k rows per sentence still alive, each continuing a row of this
// step with one token.
struct NextBeam {
  std::vector<int64_t> alive;     // sentence of each block of k rows
  std::vector<int64_t> from_row;  // (rows) the row of this step each row continues
  std::vector<int64_t> prev;      // (rows) the token it appends
  std::vector<float> sum;         // (rows) its summed log-probability (kDead: a padding row)
  std::vector<int64_t> enc_rows;  // encoder rows to keep (this step's numbering)
};

// One step's choices, sentence by sentence, from the step's best candidates on the host:
// which continuations form the next beam and which hypotheses finish.
class StepSelection {
 public:
  StepSelection(const SearchOptions& options, int64_t k, int64_t vocab, const torch::Tensor& top_score,
                const torch::Tensor& top_index, const torch::Tensor& eos_score, const torch::Tensor& attention,
                const std::vector<Live>& live, const std::vector<float>& sum,
                const std::vector<int64_t>& src_len, std::vector<NBest>& finished)
      : options_(options), k_(k), vocab_(vocab), score_(top_score.accessor<float, 2>()),
        index_(top_index.accessor<int64_t, 2>()), eos_(eos_score.accessor<float, 1>()),
        attention_(attention), live_(live), sum_(sum), src_len_(src_len), finished_(finished) {}

  // Sentence `s`, block `a` of this step's rows, at step `t`: ends it, or appends its k rows
  // to `next`.
  void select(int64_t a, int64_t s, int64_t t, NextBeam& next) {
    if (t == options_.max_length(src_len_[s])) {  // no room left: end every live row
      for (int64_t r = a * k_; r < (a + 1) * k_; ++r)
        if (sum_[r] != kDead) finish(s, r, eos_[r], /*forced=*/true);
      return;
    }
    int64_t selected = 0;
    for (int64_t j = 0; j < 2 * k_ && selected < k_; ++j) {
      const float score = score_[a][j];
      if (!(score > kDead)) break;  // sorted: the rest are dead rows (or NaN) too
      const int64_t row = a * k_ + index_[a][j] / vocab_;
      const int64_t token = index_[a][j] % vocab_;
      if (token == kEosId) {
        if (j < k_) finish(s, row, score, /*forced=*/false);
        continue;
      }
      next.from_row.push_back(row);
      next.prev.push_back(token);
      next.sum.push_back(score);
      ++selected;
    }
    if (static_cast<int64_t>(finished_[s].size()) >= k_ || selected == 0) {  // sentence done
      next.from_row.resize(next.from_row.size() - selected);
      next.prev.resize(next.prev.size() - selected);
      next.sum.resize(next.sum.size() - selected);
      return;
    }
    for (; selected < k_; ++selected) {  // fewer than k live continuations: pad with dead rows
      next.from_row.push_back(a * k_);
      next.prev.push_back(kEosId);
      next.sum.push_back(kDead);
    }
    next.alive.push_back(s);
    for (int64_t r = a * k_; r < (a + 1) * k_; ++r) next.enc_rows.push_back(r);
  }

 private:
  // Ends row `row` with </s> at summed log-prob `log_prob` as a finished hypothesis.
  void finish(int64_t sentence, int64_t row, float log_prob, bool forced) {
    Hypothesis h;
    h.tokens = live_[row].tokens;
    h.log_prob = log_prob;
    h.score = h.log_prob / options_.length_normaliser(static_cast<int64_t>(h.tokens.size()) + 1);
    h.reached_max_length = forced;
    if (attention_.defined()) {
      std::vector<torch::Tensor> rows = live_[row].attention;
      rows.push_back(attention_[row]);
      h.attention = torch::stack(rows).slice(1, 0, src_len_[sentence]).contiguous();
    }
    finished_[sentence].push_back(std::move(h));
  }

  const SearchOptions& options_;
  int64_t k_;
  int64_t vocab_;
  torch::TensorAccessor<float, 2> score_;    // (alive, 2k) best candidate scores, sorted
  torch::TensorAccessor<int64_t, 2> index_;  // (alive, 2k) their index in (k rows x V)
  torch::TensorAccessor<float, 1> eos_;      // (rows) the score of ending each row now
  torch::Tensor attention_;                  // (rows, T_src) this step's weights; undefined: not kept
  const std::vector<Live>& live_;
  const std::vector<float>& sum_;
  const std::vector<int64_t>& src_len_;
  std::vector<NBest>& finished_;
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
    const auto top_score = std::get<0>(top).cpu();                        // (n_alive, 2k)
    const auto top_index = std::get<1>(top).cpu();                        // (n_alive, 2k)
    const auto eos_score = (sum_t + log_probs.select(1, kEosId)).cpu();  // (R) forced endings
    torch::Tensor attn;
    if (keep_attention) attn = out.attention.to(torch::kFloat).cpu();  // (R, T_src)

    StepSelection selection(options_, k, V, top_score, top_index, eos_score, attn, live, sum, src_len, finished);
    NextBeam next;
    for (int64_t a = 0; a < n_alive; ++a) selection.select(a, alive[a], t, next);
    if (next.alive.empty()) break;

    std::vector<Live> next_live(next.from_row.size());
    for (size_t r = 0; r < next.from_row.size(); ++r) {
      if (next.sum[r] == kDead) continue;
      next_live[r] = live[next.from_row[r]];
      next_live[r].tokens.push_back(next.prev[r]);
      if (keep_attention) next_live[r].attention.push_back(attn[next.from_row[r]]);
    }
    state = out.state.index_select(torch::tensor(next.from_row, torch::kLong).to(device));
    if (next.alive.size() != alive.size())  // a sentence ended: drop its encoder rows
      enc = enc.index_select(torch::tensor(next.enc_rows, torch::kLong).to(device));
    alive = std::move(next.alive);
    live = std::move(next_live);
    sum = std::move(next.sum);
    prev = std::move(next.prev);
  }

  for (auto& nbest : finished) {
    std::stable_sort(nbest.begin(), nbest.end(),
                     [](const Hypothesis& x, const Hypothesis& y) { return x.score > y.score; });
    if (static_cast<int64_t>(nbest.size()) > options_.n_best) nbest.resize(options_.n_best);
  }
  return finished;
}

}  // namespace s2s
