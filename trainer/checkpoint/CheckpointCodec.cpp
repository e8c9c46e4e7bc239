#include "trainer/checkpoint/CheckpointCodec.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <set>
#include <unordered_map>

#include "core/Check.h"
#include "trainer/checkpoint/CheckpointAverage.h"

namespace s2s {
namespace {

const std::string kModel = "model/";
const std::string kEma = "ema/";
const std::string kOptimizer = "optimizer/";

const std::string& group_of(ModelWeights which) { return which == ModelWeights::ema ? kEma : kModel; }

bool in_group(const std::string& name, const std::string& group) { return name.rfind(group, 0) == 0; }

std::string where(const CheckpointState& state) {
  return state.source.empty() ? "checkpoint state" : "checkpoint " + state.source;
}

std::string shape_text(const torch::Tensor& t) { return fmt::format("[{}]", fmt::join(t.sizes(), ", ")); }

// A snapshot on the CPU: later updates of the live tensor must not change what is saved.
torch::Tensor snapshot(const torch::Tensor& t) {
  return t.detach().to(torch::TensorOptions().device(torch::kCPU), /*non_blocking=*/false, /*copy=*/true,
                       torch::MemoryFormat::Contiguous);
}

// `saved` as a fresh tensor laid out exactly like `like` (device, dtype, memory format):
// the optimizer updates its state in place, which must not write into the CheckpointState.
torch::Tensor like(const torch::Tensor& like_this, const torch::Tensor& saved) {
  return torch::empty_like(like_this, torch::MemoryFormat::Preserve).copy_(saved);
}

void check_shape(const CheckpointState& state, const std::string& name, const torch::Tensor& saved,
                 const torch::Tensor& parameter) {
  S2S_CHECK(saved.sizes() == parameter.sizes(),
            "{}: tensor '{}' has shape {} but the model's parameter has shape {}: the checkpoint is of another "
            "model configuration",
            where(state), name, shape_text(saved), shape_text(parameter));
}

std::unordered_map<const void*, std::string> names_by_impl(const CheckpointCodec::NamedTensors& parameters) {
  std::unordered_map<const void*, std::string> names;
  for (const auto& item : parameters) names.emplace(item.value().unsafeGetTensorImpl(), item.key());
  return names;
}

// Adam and AdamW keep the same four fields under two unrelated types.
struct AdamFields {
  int64_t step = 0;
  torch::Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;
};

enum class AdamKind { kAdam, kAdamW };

AdamKind adam_kind(const torch::optim::Optimizer& optimizer) {
  if (dynamic_cast<const torch::optim::Adam*>(&optimizer)) return AdamKind::kAdam;
  if (dynamic_cast<const torch::optim::AdamW*>(&optimizer)) return AdamKind::kAdamW;
  S2S_FAIL("checkpoints store Adam and AdamW optimizer state only: the optimizer is neither");
}

AdamFields read_fields(AdamKind kind, const torch::optim::OptimizerParamState& state) {
  if (kind == AdamKind::kAdam) {
    const auto& s = static_cast<const torch::optim::AdamParamState&>(state);
    return {s.step(), s.exp_avg(), s.exp_avg_sq(), s.max_exp_avg_sq()};
  }
  const auto& s = static_cast<const torch::optim::AdamWParamState&>(state);
  return {s.step(), s.exp_avg(), s.exp_avg_sq(), s.max_exp_avg_sq()};
}

template <class State>
std::unique_ptr<torch::optim::OptimizerParamState> make_state(const AdamFields& f) {
  auto s = std::make_unique<State>();
  s->step(f.step);
  s->exp_avg(f.exp_avg);
  s->exp_avg_sq(f.exp_avg_sq);
  if (f.max_exp_avg_sq.defined()) s->max_exp_avg_sq(f.max_exp_avg_sq);
  return s;
}

std::vector<uint8_t> bytes_of(const torch::Tensor& state) {
  const torch::Tensor t = state.to(torch::kCPU).contiguous();
  S2S_ASSERT(t.scalar_type() == torch::kUInt8);
  const auto* begin = t.data_ptr<uint8_t>();
  return std::vector<uint8_t>(begin, begin + t.numel());
}

torch::Tensor tensor_of(const std::vector<uint8_t>& bytes) {
  return torch::from_blob(const_cast<uint8_t*>(bytes.data()), {static_cast<int64_t>(bytes.size())}, torch::kUInt8)
      .clone();
}

std::vector<uint8_t> generator_state(const torch::Device& device) {
  at::Generator generator = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  return bytes_of(generator.get_state());
}

void set_generator_state(const torch::Device& device, const std::vector<uint8_t>& bytes) {
  at::Generator generator = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(tensor_of(bytes));
}

}  // namespace

void CheckpointCodec::capture_model(const NamedTensors& parameters, CheckpointState& state, ModelWeights which) {
  const std::string& group = group_of(which);
  for (const auto& item : parameters) state.tensors[group + item.key()] = snapshot(item.value());
}

void CheckpointCodec::restore_model(const NamedTensors& parameters, const CheckpointState& state,
                                    ModelWeights which) {
  const std::string& group = group_of(which);
  if (which == ModelWeights::ema) model_tensors(state, which);  // refuses a gap in the group, naming it
  std::set<std::string> expected;
  torch::NoGradGuard no_grad;
  for (const auto& item : parameters) {
    const std::string name = group + item.key();
    expected.insert(name);
    const torch::Tensor& saved = state.tensor(name);
    check_shape(state, name, saved, item.value());
    item.value().copy_(saved);
  }
  for (const auto& [name, tensor] : state.tensors) {
    S2S_CHECK(!in_group(name, group) || expected.count(name),
              "{} holds '{}', which the model does not have: the checkpoint is of another model configuration",
              where(state), name);
  }
}

bool CheckpointCodec::holds_ema(const CheckpointState& state) {
  return std::any_of(state.tensors.begin(), state.tensors.end(), [](const auto& t) { return in_group(t.first, kEma); });
}

ModelWeights CheckpointCodec::decoding_weights(const CheckpointState& state, bool raw_requested) {
  return holds_ema(state) && !raw_requested ? ModelWeights::ema : ModelWeights::raw;
}

std::map<std::string, torch::Tensor> CheckpointCodec::model_tensors(const CheckpointState& state, ModelWeights which) {
  const std::string& group = group_of(which);
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, tensor] : state.tensors)
    if (in_group(name, group)) out.emplace(kModel + name.substr(group.size()), tensor);
  // An EMA group must cover the raw one: a gap is damage, not another model.
  if (which == ModelWeights::ema)
    for (const auto& [name, tensor] : state.tensors)
      S2S_CHECK(!in_group(name, kModel) || out.count(name),
                "{} holds EMA weights but no '{}{}': the file is damaged; use its raw weights (--raw-weights)",
                where(state), kEma, name.substr(kModel.size()));
  return out;
}

void CheckpointCodec::capture_optimizer(const torch::optim::Optimizer& optimizer, const NamedTensors& parameters,
                                        CheckpointState& state) {
  const AdamKind kind = adam_kind(optimizer);
  const auto names = names_by_impl(parameters);
  for (const auto& group : optimizer.param_groups()) {
    for (const auto& p : group.params()) {
      const auto it = optimizer.state().find(p.unsafeGetTensorImpl());
      if (it == optimizer.state().end()) continue;  // never stepped with a gradient
      const auto name = names.find(p.unsafeGetTensorImpl());
      S2S_CHECK(name != names.end(),
                "the optimizer holds a parameter of shape {} that is not among the model's named parameters",
                shape_text(p));
      const AdamFields f = read_fields(kind, *it->second);
      const std::string prefix = kOptimizer + name->second + "/";
      state.tensors[prefix + "step"] = torch::tensor(f.step, torch::kInt64);
      state.tensors[prefix + "exp_avg"] = snapshot(f.exp_avg);
      state.tensors[prefix + "exp_avg_sq"] = snapshot(f.exp_avg_sq);
      if (f.max_exp_avg_sq.defined()) state.tensors[prefix + "max_exp_avg_sq"] = snapshot(f.max_exp_avg_sq);
    }
  }
}

void CheckpointCodec::restore_optimizer(torch::optim::Optimizer& optimizer, const NamedTensors& parameters,
                                        const CheckpointState& state) {
  // An average has no optimizer state: restoring "none" would silently restart Adam.
  S2S_CHECK(!CheckpointAverage::is_average(state),
            "{} is an average of {} checkpoint(s) (s2s average): it holds no optimizer state or data position to "
            "resume from; train on from its weights with --fine-tune {}",
            where(state), state.int_scalar(CheckpointAverage::kCountAttribute), state.source);
  const AdamKind kind = adam_kind(optimizer);
  const auto names = names_by_impl(parameters);
  std::set<std::string> used;
  optimizer.state().clear();
  for (const auto& group : optimizer.param_groups()) {
    for (const auto& p : group.params()) {
      const auto name = names.find(p.unsafeGetTensorImpl());
      S2S_CHECK(name != names.end(),
                "the optimizer holds a parameter of shape {} that is not among the model's named parameters",
                shape_text(p));
      const std::string prefix = kOptimizer + name->second + "/";
      if (!state.tensors.count(prefix + "step")) continue;  // had no state when saved
      AdamFields f;
      const torch::Tensor& step = state.tensor(prefix + "step");
      S2S_CHECK(step.numel() == 1 && step.scalar_type() == torch::kInt64,
                "{}: '{}' is not one int64: the checkpoint was written by an incompatible s2s", where(state),
                prefix + "step");
      f.step = step.item<int64_t>();
      for (const char* field : {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}) {
        const std::string key = prefix + field;
        const auto it = state.tensors.find(key);
        if (it == state.tensors.end()) {
          S2S_CHECK(std::string(field) == "max_exp_avg_sq", "{} has no tensor '{}': the file is incomplete",
                    where(state), key);
          continue;
        }
        check_shape(state, key, it->second, p);
        torch::Tensor value = like(p, it->second);
        if (std::string(field) == "exp_avg") f.exp_avg = value;
        else if (std::string(field) == "exp_avg_sq") f.exp_avg_sq = value;
        else f.max_exp_avg_sq = value;
        used.insert(key);
      }
      used.insert(prefix + "step");
      optimizer.state()[p.unsafeGetTensorImpl()] =
          kind == AdamKind::kAdam ? make_state<torch::optim::AdamParamState>(f)
                                  : make_state<torch::optim::AdamWParamState>(f);
    }
  }
  for (const auto& [name, tensor] : state.tensors) {
    S2S_CHECK(name.rfind(kOptimizer, 0) != 0 || used.count(name),
              "{} holds '{}', which matches no parameter of the optimizer: the checkpoint is of another model "
              "configuration",
              where(state), name);
  }
}

CheckpointState::Rank CheckpointCodec::capture_rank(const std::string& cursor, const torch::Device& device) {
  CheckpointState::Rank rank;
  rank.cursor = cursor;
  rank.cpu_rng_state = generator_state(torch::Device(torch::kCPU));
  if (device.is_cuda()) rank.cuda_rng_state = generator_state(device);
  return rank;
}

void CheckpointCodec::restore_rng(const CheckpointState::Rank& rank, const torch::Device& device) {
  // Training draws nothing from these generators (dropout masks are hashes of the seed, the
  // update and the pair: model/DropoutMasks.h); they are restored so that anything else
  // drawn after a resume repeats too. A checkpoint of another device kind has no state for
  // this one: it keeps its own.
  set_generator_state(torch::Device(torch::kCPU), rank.cpu_rng_state);
  if (device.is_cuda() && !rank.cuda_rng_state.empty()) set_generator_state(device, rank.cuda_rng_state);
}

// "s2s-rank/1 <cursor bytes> <cpu bytes> <cuda bytes>\n" followed by the three fields.
std::string CheckpointCodec::pack_rank(const CheckpointState::Rank& rank) {
  std::string out = fmt::format("s2s-rank/1 {} {} {}\n", rank.cursor.size(), rank.cpu_rng_state.size(),
                                rank.cuda_rng_state.size());
  out += rank.cursor;
  out.append(rank.cpu_rng_state.begin(), rank.cpu_rng_state.end());
  out.append(rank.cuda_rng_state.begin(), rank.cuda_rng_state.end());
  return out;
}

CheckpointState::Rank CheckpointCodec::unpack_rank(const std::string& packed) {
  const size_t newline = packed.find('\n');
  size_t sizes[3] = {0, 0, 0};
  char tail = 0;
  const bool parsed = newline != std::string::npos &&
                      std::sscanf(packed.substr(0, newline).c_str(), "s2s-rank/1 %zu %zu %zu%c", &sizes[0], &sizes[1],
                                  &sizes[2], &tail) == 3;
  S2S_CHECK(parsed && sizes[0] + sizes[1] + sizes[2] == packed.size() - newline - 1,
            "a rank's checkpoint part ({} bytes) is not what pack_rank writes: mixed s2s versions across ranks?",
            packed.size());
  CheckpointState::Rank rank;
  size_t at = newline + 1;
  rank.cursor = packed.substr(at, sizes[0]);
  at += sizes[0];
  rank.cpu_rng_state.assign(packed.begin() + static_cast<std::ptrdiff_t>(at),
                            packed.begin() + static_cast<std::ptrdiff_t>(at + sizes[1]));
  at += sizes[1];
  rank.cuda_rng_state.assign(packed.begin() + static_cast<std::ptrdiff_t>(at), packed.end());
  return rank;
}

}  // namespace s2s
