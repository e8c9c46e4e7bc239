// s2s_comm_helper MODE: a small MPI program for JobFailureTest, which runs it under mpirun
// and checks what the job as a whole does. Rank 1 fails in each mode in a different way
// while rank 0 waits for it in a collective; the job must end non-zero, quickly.
//   describe   every rank prints Runtime::describe() and exits 0 (also without mpirun)
//   throw      rank 1 throws inside Runtime::guard (caught: one line, then MPI_Abort)
//   unwind     rank 1 throws through the Runtime's destructor to main(), which returns 1
//   sync       rank 1 throws between backward and GradientSync::finish(), all-reduces in flight
//   abort      rank 1 calls Runtime::abort(3)
#include <cstdio>
#include <cstring>
#include <string>

#include "core/Error.h"
#include "core/Log.h"
#include "trainer/GradientSync.h"
#include "trainer/Runtime.h"

namespace {

s2s::RuntimeOptions options() {
  s2s::RuntimeOptions o;
  o.use_cuda = false;
  o.threads = 1;
  return o;
}

int sync_mode(s2s::Runtime& runtime) {
  torch::manual_seed(1);
  std::vector<torch::Tensor> params;
  for (int i = 0; i < 8; ++i) params.push_back(torch::randn({64, 64}).requires_grad_());
  s2s::GradientSyncOptions o;
  o.bucket_mb = 64 * 64 * 4 / (1024.0 * 1024.0);  // one parameter per bucket
  s2s::GradientSync sync(params, *runtime.make_communicator(), o);
  torch::Tensor h = torch::randn({16, 64});
  for (const auto& p : params) h = torch::tanh(h.matmul(p));
  h.sum().backward();
  if (runtime.rank() == 1) throw s2s::Error("rank 1 fails on purpose after backward");
  sync.finish();  // rank 0 waits here for buckets rank 1 never sends
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "unwind") {
    // No guard: the exception leaves the Runtime's scope, so its destructor sees it in flight.
    try {
      s2s::Runtime runtime(&argc, &argv, options());
      if (runtime.rank() == 1) throw s2s::Error("rank 1 fails on purpose and unwinds");
      runtime.make_communicator()->barrier();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "s2s: error: %s\n", e.what());
      return 1;
    }
    return 0;
  }
  s2s::Runtime runtime(&argc, &argv, options());
  s2s::Log::configure(s2s::LogLevel::kWarn, runtime.rank());
  return runtime.guard([&]() -> int {
    if (mode == "describe") {
      std::printf("%s\n", runtime.describe().c_str());
      return 0;
    }
    if (mode == "sync") return sync_mode(runtime);
    std::unique_ptr<s2s::Communicator> comm = runtime.make_communicator();
    if (runtime.rank() == 1) {
      if (mode == "throw") throw s2s::Error("rank 1 fails on purpose");
      if (mode == "abort") runtime.abort(3);
      throw s2s::Error("unknown mode '" + mode + "': use describe, throw, unwind, sync or abort");
    }
    comm->barrier();  // rank 0 (and any other) waits for rank 1 forever
    return 0;
  });
}
