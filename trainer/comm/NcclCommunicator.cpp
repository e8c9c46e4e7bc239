#include "trainer/comm/NcclCommunicator.h"

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/Check.h"
#include "core/HostName.h"
#include "trainer/comm/NcclCheck.h"

namespace s2s {

struct NcclCommunicator::Cuda {
  ncclComm_t comm = nullptr;
  c10::cuda::CUDAStream stream;      // NCCL's own stream, from torch's pool (not the default)
  cudaEvent_t ready = nullptr;       // recorded on the caller's stream; NCCL's waits for it
  bool failed = false;               // an NCCL error was seen: abort instead of destroy

  explicit Cuda(c10::cuda::CUDAStream s) : stream(s) {}
  Cuda(const Cuda&) = delete;
  Cuda& operator=(const Cuda&) = delete;

  // Here rather than in ~NcclCommunicator, so a constructor that throws half-way cleans up
  // too. No throwing: a failure on the way out must not hide the error that got us here.
  ~Cuda() {
    if (comm) {
      if (failed)
        ncclCommAbort(comm);
      else
        ncclCommDestroy(comm);
    }
    if (ready) cudaEventDestroy(ready);
  }

  // Waits on the host until `stream` has finished, polling NCCL for asynchronous errors
  // (a peer that died) the way nccl-tests does: cudaStreamSynchronize would wait forever.
  void wait() {
    while (true) {
      const cudaError_t state = cudaStreamQuery(stream.stream());
      if (state == cudaSuccess) return;
      if (state != cudaErrorNotReady) S2S_CUDA_CHECK(state);
      ncclResult_t async = ncclSuccess;
      S2S_NCCL_CHECK(ncclCommGetAsyncError(comm, &async));
      if (async != ncclSuccess) {
        failed = true;
        S2S_NCCL_CHECK(async);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }
};

namespace {

ncclDataType_t nccl_type(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat: return ncclFloat32;
    case torch::kDouble: return ncclFloat64;
    case torch::kLong: return ncclInt64;
    default:
      S2S_FAIL("all_reduce_sum supports float32, float64 and int64 tensors, got {}: convert it first",
               c10::toString(type));
  }
}

// Why this rank cannot run NCCL on `device`, or "" when it can.
std::string unusable_reason(const torch::Device& device) {
  if (!device.is_cuda()) return fmt::format("its device is {}, not a CUDA GPU", device.str());
  if (!torch::cuda::is_available())
    return "no usable CUDA GPU (no GPU, no driver, or CUDA_VISIBLE_DEVICES hides them all)";
  const int64_t gpus = static_cast<int64_t>(torch::cuda::device_count());
  if (device.index() < 0 || device.index() >= gpus)
    return fmt::format("{} does not exist (the node has {} usable GPU(s))", device.str(), gpus);
  return "";
}

}  // namespace

NcclCommunicator::NcclCommunicator(MPI_Comm comm, torch::Device device)
    : host_(std::make_unique<MpiCommunicator>(comm)), device_(device) {
  // Every rank learns whether every other can go on, so that all of them fail with the
  // same line instead of some waiting forever in ncclCommInitRank for the ones that threw.
  const std::vector<std::string> reasons = host_->all_gather(unusable_reason(device));
  std::string failing;
  int first = -1;
  for (int r = 0; r < static_cast<int>(reasons.size()); ++r) {
    if (reasons[r].empty()) continue;
    failing += fmt::format("{}{}", failing.empty() ? "" : ", ", r);
    if (first < 0) first = r;
  }
  const std::vector<std::string> hosts = host_->all_gather(host_name());
  S2S_CHECK(first < 0,
            "the NCCL communicator needs a usable CUDA GPU on every rank, but rank(s) {} have none "
            "(rank {} on {}: {}): run on the CPU, where gradients go over MPI, or on GPU nodes",
            failing, first, first >= 0 ? hosts[first] : "", first >= 0 ? reasons[first] : "");

  c10::cuda::CUDAGuard guard(device_.index());
  cuda_ = std::make_unique<Cuda>(c10::cuda::getStreamFromPool(false, device_.index()));
  S2S_CUDA_CHECK(cudaEventCreateWithFlags(&cuda_->ready, cudaEventDisableTiming));

  ncclUniqueId id;
  if (host_->rank() == 0) S2S_NCCL_CHECK(ncclGetUniqueId(&id));
  S2S_MPI_CHECK(MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, host_->handle()));
  S2S_NCCL_CHECK(ncclCommInitRank(&cuda_->comm, host_->size(), id, host_->rank()));
}

NcclCommunicator::~NcclCommunicator() = default;  // Cuda is complete only here

void NcclCommunicator::check_tensor(const torch::Tensor& tensor, const char* what) const {
  S2S_CHECK(tensor.defined(), "{}: the tensor is undefined", what);
  S2S_CHECK(tensor.device() == device_,
            "{}: the NCCL communicator of {} takes tensors on {}, got one on {}: move it there",
            what, device_.str(), device_.str(), tensor.device().str());
  S2S_CHECK(tensor.is_contiguous(), "{}: the tensor must be contiguous (call .contiguous() first)",
            what);
}

void NcclCommunicator::all_reduce_sum(const torch::Tensor& tensor) {
  check_tensor(tensor, "all_reduce_sum");
  const ncclDataType_t type = nccl_type(tensor.scalar_type());
  c10::cuda::CUDAGuard guard(device_.index());
  // NCCL's stream starts after whatever the caller queued (e.g. the copy that filled it).
  const cudaStream_t caller = c10::cuda::getCurrentCUDAStream(device_.index()).stream();
  S2S_CUDA_CHECK(cudaEventRecord(cuda_->ready, caller));
  S2S_CUDA_CHECK(cudaStreamWaitEvent(cuda_->stream.stream(), cuda_->ready, 0));
  void* data = tensor.data_ptr();
  S2S_NCCL_CHECK(ncclAllReduce(data, data, static_cast<size_t>(tensor.numel()), type, ncclSum,
                               cuda_->comm, cuda_->stream.stream()));
  // Complete on return: any stream may use the result, and the caching allocator may reuse
  // the memory, without further events.
  cuda_->wait();
}

void NcclCommunicator::broadcast(const torch::Tensor& tensor, int root) {
  check_tensor(tensor, "broadcast");
  S2S_CHECK(root >= 0 && root < size(), "broadcast: root {} is not a rank of a {}-rank communicator",
            root, size());
  c10::cuda::CUDAGuard guard(device_.index());
  const cudaStream_t caller = c10::cuda::getCurrentCUDAStream(device_.index()).stream();
  S2S_CUDA_CHECK(cudaEventRecord(cuda_->ready, caller));
  S2S_CUDA_CHECK(cudaStreamWaitEvent(cuda_->stream.stream(), cuda_->ready, 0));
  void* data = tensor.data_ptr();
  // Bytes, so that every dtype goes through one path.
  S2S_NCCL_CHECK(ncclBroadcast(data, data, static_cast<size_t>(tensor.numel() * tensor.element_size()),
                               ncclUint8, root, cuda_->comm, cuda_->stream.stream()));
  cuda_->wait();
}

std::string NcclCommunicator::async_error() const {
  if (!cuda_ || !cuda_->comm) return "";
  ncclResult_t async = ncclSuccess;
  const ncclResult_t polled = ncclCommGetAsyncError(cuda_->comm, &async);
  if (polled != ncclSuccess) return fmt::format("ncclCommGetAsyncError: '{}'", ncclGetErrorString(polled));
  if (async == ncclSuccess) return "";
  const char* detail = ncclGetLastError(cuda_->comm);
  return fmt::format("NCCL asynchronous error '{}'{}", ncclGetErrorString(async),
                     detail && *detail ? fmt::format(" ({})", detail) : std::string());
}

std::unique_ptr<Communicator> NcclCommunicator::duplicate() const {
  return std::make_unique<NcclCommunicator>(host_->handle(), device_);
}

void NcclCommunicator::abort(int code) const {
  // Tear NCCL down first, so no kernel keeps spinning for peers that are about to die.
  if (cuda_ && cuda_->comm) ncclCommAbort(cuda_->comm);
  host_->abort(code);
  std::_Exit(code);  // not reached: GCC does not take [[noreturn]] through a virtual call
}

}  // namespace s2s
