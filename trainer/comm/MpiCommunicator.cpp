#include "trainer/comm/MpiCommunicator.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>

#include "core/Check.h"
#include "trainer/comm/MpiCheck.h"

namespace s2s {
namespace {

// MPI counts are int; the default piece is 2^30 elements (4 GiB of float32), far below
// INT_MAX and aligned for every element size.
std::atomic<int64_t> g_max_count{int64_t{1} << 30};

MPI_Datatype mpi_type(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat: return MPI_FLOAT;
    case torch::kDouble: return MPI_DOUBLE;
    case torch::kLong: return MPI_INT64_T;
    default:
      S2S_FAIL("all_reduce_sum supports float32, float64 and int64 tensors, got {}: convert it first",
               c10::toString(type));
  }
}

void check_cpu_contiguous(const torch::Tensor& tensor, const char* what) {
  S2S_CHECK(tensor.defined(), "{}: the tensor is undefined", what);
  S2S_CHECK(tensor.device().is_cpu(),
            "{}: the MPI communicator takes CPU tensors, got one on {}: use the NCCL communicator "
            "for CUDA tensors, or move it to the CPU",
            what, tensor.device().str());
  S2S_CHECK(tensor.is_contiguous(), "{}: the tensor must be contiguous (call .contiguous() first)",
            what);
}

}  // namespace

MpiCommunicator::MpiCommunicator(MPI_Comm comm) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  S2S_CHECK(initialized, "MpiCommunicator needs MPI to be initialised: create the s2s::Runtime first");
  S2S_MPI_CHECK(MPI_Comm_dup(comm, &comm_));
  S2S_MPI_CHECK(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN));
  S2S_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  S2S_MPI_CHECK(MPI_Comm_size(comm_, &size_));
}

MpiCommunicator::~MpiCommunicator() {
  // After MPI_Finalize (a Runtime destroyed first) freeing is an error; the handle is gone.
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

void MpiCommunicator::set_max_count_for_testing(int64_t count) {
  g_max_count = std::max<int64_t>(1, std::min<int64_t>(count, INT_MAX));
}

void MpiCommunicator::all_reduce_sum(const torch::Tensor& tensor) {
  check_cpu_contiguous(tensor, "all_reduce_sum");
  const MPI_Datatype type = mpi_type(tensor.scalar_type());
  char* data = static_cast<char*>(tensor.data_ptr());
  const int64_t element = tensor.element_size();
  const int64_t total = tensor.numel();
  const int64_t piece = g_max_count.load();
  for (int64_t start = 0; start < total; start += piece) {
    const int count = static_cast<int>(std::min(piece, total - start));
    S2S_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, data + start * element, count, type, MPI_SUM, comm_));
  }
}

void MpiCommunicator::broadcast(const torch::Tensor& tensor, int root) {
  check_cpu_contiguous(tensor, "broadcast");
  S2S_CHECK(root >= 0 && root < size_, "broadcast: root {} is not a rank of a {}-rank communicator",
            root, size_);
  // Bytes, so that every dtype (parameters may be bfloat16) goes through one path.
  char* data = static_cast<char*>(tensor.data_ptr());
  const int64_t total = tensor.numel() * tensor.element_size();
  const int64_t piece = g_max_count.load();
  for (int64_t start = 0; start < total; start += piece) {
    const int count = static_cast<int>(std::min(piece, total - start));
    S2S_MPI_CHECK(MPI_Bcast(data + start, count, MPI_BYTE, root, comm_));
  }
}

double MpiCommunicator::all_reduce_sum(double value) {
  S2S_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM, comm_));
  return value;
}

int64_t MpiCommunicator::all_reduce_sum(int64_t value) {
  S2S_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_SUM, comm_));
  return value;
}

std::vector<int64_t> MpiCommunicator::all_gather(int64_t value) {
  std::vector<int64_t> values(static_cast<size_t>(size_));
  S2S_MPI_CHECK(MPI_Allgather(&value, 1, MPI_INT64_T, values.data(), 1, MPI_INT64_T, comm_));
  return values;
}

std::vector<std::string> MpiCommunicator::all_gather(const std::string& value) {
  S2S_CHECK(value.size() <= static_cast<size_t>(INT_MAX / std::max(size_, 1)),
            "all_gather: a string of {} bytes is too long for a diagnostic", value.size());
  const int length = static_cast<int>(value.size());
  std::vector<int> lengths(static_cast<size_t>(size_));
  S2S_MPI_CHECK(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, comm_));
  std::vector<int> offsets(static_cast<size_t>(size_), 0);
  int64_t total = 0;
  for (int r = 0; r < size_; ++r) {
    offsets[r] = static_cast<int>(total);
    total += lengths[r];
  }
  S2S_CHECK(total <= INT_MAX, "all_gather: {} bytes in all is too much for a diagnostic", total);
  std::string joined(static_cast<size_t>(total), '\0');
  S2S_MPI_CHECK(MPI_Allgatherv(value.data(), length, MPI_CHAR, joined.data(), lengths.data(),
                               offsets.data(), MPI_CHAR, comm_));
  std::vector<std::string> values;
  values.reserve(static_cast<size_t>(size_));
  for (int r = 0; r < size_; ++r) values.push_back(joined.substr(offsets[r], lengths[r]));
  return values;
}

void MpiCommunicator::barrier() { S2S_MPI_CHECK(MPI_Barrier(comm_)); }

bool MpiCommunicator::thread_safe() const {
  int provided = MPI_THREAD_SINGLE;
  MPI_Query_thread(&provided);
  return provided == MPI_THREAD_MULTIPLE;
}

std::unique_ptr<Communicator> MpiCommunicator::duplicate() const {
  return std::make_unique<MpiCommunicator>(comm_);
}

void MpiCommunicator::abort(int code) const {
  // MPI_Abort on the world: Open MPI takes the whole job down for any communicator, but the
  // standard only promises it for the processes of the one given.
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);  // not reached; MPI_Abort does not return
}

}  // namespace s2s
