// s2s_attention_bench: the attention of one teacher-forced decoder pass, as eager LibTorch
// composes it and as s2s computes it (model/fused/AttentionEnergies, model/fused/AttentionContexts),
// forward and backward, on one thread.
//
//   build/bench/s2s_attention_bench [--reps R]
//
// For issue 16's two configs (large: B 64, T 30 -> 30, A 512, K 1024; small: B 64, 10 -> 10,
// A 256, K 512), T_tgt steps over one batch of keys and annotations:
//   energies: e_t = v^T tanh(q_t + keys), -inf on padding (composed: add, tanh, matmul, masked_fill)
//   contexts: c_t = alpha_t H (composed: bmm per step; backward adds T outer products into dH)
// The two ways alternate R times; the table gives median and min-max milliseconds per pass.
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "bench/BenchTiming.h"
#include "model/fused/AttentionContexts.h"
#include "model/fused/AttentionEnergies.h"

namespace {

using s2s::bench::Clock;
using s2s::bench::median;
using s2s::bench::since;

struct Shape {
  const char* name;
  int64_t B, T, A, K;
};

struct Inputs {
  explicit Inputs(const Shape& s) {
    keys = torch::randn({s.B, s.T, s.A}).requires_grad_();           // (B, T_src, A)
    annotations = torch::randn({s.B, s.T, s.K}).requires_grad_();    // (B, T_src, K)
    v = torch::randn({1, s.A}).requires_grad_();                     // (1, A)
    padding = torch::arange(s.T).unsqueeze(0) >= torch::randint(s.T / 2, s.T + 1, {s.B}).unsqueeze(1);  // (B, T_src)
    for (int64_t t = 0; t < s.T; ++t) {
      queries.push_back(torch::randn({s.B, s.A}).requires_grad_());  // (B, A)
      weights.push_back(torch::softmax(torch::randn({s.B, s.T}), -1).requires_grad_());  // (B, T_src)
    }
  }
  torch::Tensor keys, annotations, v, padding;
  std::vector<torch::Tensor> queries, weights;
};

// One pass: builds the loss of all steps with `step` (forward), then runs backward.
// Returns {forward ms, backward ms}.
std::pair<double, double> time_pass(const std::function<torch::Tensor()>& forward) {
  const auto t0 = Clock::now();
  const torch::Tensor loss = forward();
  const double f = since(t0);
  const auto t1 = Clock::now();
  loss.backward();
  return {1e3 * f, 1e3 * since(t1)};
}

torch::Tensor composed_energies(const Inputs& in) {
  const auto keys = in.keys * 1.0f;  // not a leaf, as the encoder's
  torch::Tensor loss = torch::zeros({});
  for (const auto& q : in.queries)
    loss = loss + torch::softmax(torch::tanh(q.unsqueeze(1) + keys)
                                     .matmul(in.v.reshape({-1}))
                                     .masked_fill(in.padding, -std::numeric_limits<double>::infinity()),
                                 -1)
                      .select(1, 0)
                      .sum();
  return loss;
}

torch::Tensor fused_energies(const Inputs& in) {
  const s2s::AttentionEnergies energies(in.keys * 1.0f, in.v, in.padding);
  torch::Tensor loss = torch::zeros({});
  for (const auto& q : in.queries) loss = loss + torch::softmax(energies(q), -1).select(1, 0).sum();
  return loss;
}

torch::Tensor composed_contexts(const Inputs& in) {
  const auto h = in.annotations * 1.0f;
  torch::Tensor loss = torch::zeros({});
  for (const auto& w : in.weights) loss = loss + torch::bmm(w.unsqueeze(1), h).squeeze(1).sum();
  return loss;
}

torch::Tensor deferred_contexts(const Inputs& in) {
  const s2s::AttentionContexts context(in.annotations * 1.0f);
  torch::Tensor loss = torch::zeros({});
  for (const auto& w : in.weights) loss = loss + context(w).sum();
  return loss;
}

void row(const char* shape, const char* part, const char* way, const std::vector<double>& ms) {
  std::printf("%-6s %-9s %-13s %9.1f %9.1f %9.1f\n", shape, part, way, median(ms),
              *std::min_element(ms.begin(), ms.end()), *std::max_element(ms.begin(), ms.end()));
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 7;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::atoi(argv[i + 1]);
  torch::set_num_threads(1);
  torch::manual_seed(1);
  std::printf("%-6s %-9s %-13s %9s %9s %9s   (ms per pass of T_tgt steps; %d alternating reps)\n", "config",
              "part", "way", "median", "min", "max", reps);
  for (const Shape& s : {Shape{"large", 64, 30, 512, 1024}, Shape{"small", 64, 10, 256, 512}}) {
    const Inputs in(s);
    struct Way {
      const char* part;
      const char* name;
      torch::Tensor (*forward)(const Inputs&);
      std::vector<double> fwd, bwd;
    };
    std::vector<Way> ways = {{"energies", "composed", composed_energies, {}, {}},
                             {"energies", "fused", fused_energies, {}, {}},
                             {"contexts", "composed", composed_contexts, {}, {}},
                             {"contexts", "deferred", deferred_contexts, {}, {}}};
    for (auto& w : ways) time_pass([&] { return w.forward(in); });  // warm-up
    for (int r = 0; r < reps; ++r)
      for (auto& w : ways) {
        const auto [f, b] = time_pass([&] { return w.forward(in); });
        w.fwd.push_back(f);
        w.bwd.push_back(b);
      }
    for (const auto& w : ways) {
      row(s.name, w.part, (std::string(w.name) + " fwd").c_str(), w.fwd);
      row(s.name, w.part, (std::string(w.name) + " bwd").c_str(), w.bwd);
    }
  }
  return 0;
}
