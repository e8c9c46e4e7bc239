#include "trainer/comm/Runtime.h"

#include <mpi.h>
#include <sched.h>

#include <c10/core/impl/VirtualGuardImpl.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

#include "core/Check.h"
#include "core/HostName.h"
#include "core/Log.h"
#include "trainer/comm/MpiCheck.h"
#include "trainer/comm/MpiCommunicator.h"
#ifdef S2S_WITH_NCCL
#include "trainer/comm/NcclCommunicator.h"
#endif

namespace s2s {
namespace {

const Log log("runtime");

const char* thread_level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
    default: return "an unknown MPI thread level";
  }
}

// An integer environment variable, or -1 when unset or not a number.
int env_int(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return -1;
  char* end = nullptr;
  const long parsed = std::strtol(value, &end, 10);
  return (*end == '\0' && parsed >= 0) ? static_cast<int>(parsed) : -1;
}

// CPUs this process may run on: mpirun may bind a rank to a few cores, and more threads
// than that only fight over them. 0 when unknown.
int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
  return CPU_COUNT(&set);
}

}  // namespace

Runtime::Runtime(int* argc, char*** argv, RuntimeOptions options) {
  int initialized = 0;
  S2S_MPI_CHECK(MPI_Initialized(&initialized));
  int provided = MPI_THREAD_SINGLE;
  if (!initialized) {
    // GradientSync's thread all-reduces while backward (and possibly the trainer) runs, so
    // ask for the level that allows MPI calls from several threads at once.
    S2S_MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided));
    owns_mpi_ = true;
  } else {
    S2S_MPI_CHECK(MPI_Query_thread(&provided));
  }
  thread_multiple_ = provided == MPI_THREAD_MULTIPLE;
  // Errors as return codes, turned into s2s::Error by S2S_MPI_CHECK; the default
  // (MPI_ERRORS_ARE_FATAL) would end the job without saying which of our calls failed.
  S2S_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  S2S_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  S2S_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size_));
  host_ = host_name();
  if (!thread_multiple_)
    log.warn("MPI gives {} instead of MPI_THREAD_MULTIPLE: gradients will be all-reduced after "
             "backward, not during it (no overlap)",
             thread_level_name(provided));
  find_local_rank();
  choose_device(options);
  choose_threads(options);
  log.debug("{}", describe());
}

Runtime::~Runtime() {
  if (!owns_mpi_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  if (std::uncaught_exceptions() > 0) {
    // Unwinding from an error: MPI_Finalize would wait for ranks that may themselves be
    // waiting for this one in a collective. Exiting unfinalised lets mpirun end them all.
    log.error("rank {} on {} is leaving on an error without MPI_Finalize, so that mpirun ends "
              "the other ranks",
              rank_, host_);
    return;
  }
  MPI_Finalize();
}

void Runtime::find_local_rank() {
  // Ranks that share memory share a node: the MPI-3 way to find the local rank, whatever
  // launched us. The launchers' own variables, when set, must agree.
  MPI_Comm node = MPI_COMM_NULL;
  S2S_MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node));
  S2S_MPI_CHECK(MPI_Comm_rank(node, &local_rank_));
  S2S_MPI_CHECK(MPI_Comm_size(node, &local_size_));
  S2S_MPI_CHECK(MPI_Comm_free(&node));

  // SLURM_LOCALID is the rank's own only when srun started it; under mpirun inside an
  // allocation every rank inherits its orted's value, so Open MPI's variable comes first.
  const char* source = "OMPI_COMM_WORLD_LOCAL_RANK";
  int from_env = env_int(source);
  if (from_env < 0) {
    source = "SLURM_LOCALID";
    from_env = env_int(source);
  }
  if (from_env >= 0 && from_env != local_rank_)
    log.warn("rank {} on {}: local rank {} from the shared-memory split disagrees with {}={}; "
             "using {} (devices are chosen by it)",
             rank_, host_, local_rank_, source, from_env, local_rank_);
}

void Runtime::choose_device(const RuntimeOptions& options) {
  device_ = torch::Device(torch::kCPU);
  if (!options.use_cuda) return;
  if (!torch::cuda::is_available()) {
    log.debug("CUDA is not usable on {}; rank {} runs on the CPU", host_, rank_);
    return;
  }
  const int gpus = static_cast<int>(torch::cuda::device_count());
  S2S_CHECK(local_rank_ < gpus,
            "rank {} is local rank {} of {} on {}, which has {} usable GPU(s): start at most {} "
            "rank(s) per node (one per GPU), or run on the CPU",
            rank_, local_rank_, local_size_, host_, gpus, gpus);
  device_ = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank_));
  // Make it the current device too, so that CUDA contexts and NCCL land on it and not on
  // GPU 0. Device-generic, so this file needs no CUDA headers.
  c10::impl::VirtualGuardImpl(c10::DeviceType::CUDA).setDevice(device_);
}

void Runtime::choose_threads(const RuntimeOptions& options) {
  S2S_CHECK(options.threads >= 0, "run.threads must be >= 0, got {}", options.threads);
  if (options.threads > 0) {
    threads_ = options.threads;
  } else {
    // Share the node's cores among its ranks; never more than the cores we are bound to.
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    threads_ = std::max(1, cores / std::max(1, local_size_));
    const int bound = affinity_cpus();
    if (bound > 0) threads_ = std::min(threads_, bound);
  }
  torch::set_num_threads(threads_);
}

std::unique_ptr<Communicator> Runtime::make_communicator() const {
  if (device_.is_cuda()) {
#ifdef S2S_WITH_NCCL
    return std::make_unique<NcclCommunicator>(MPI_COMM_WORLD, device_);
#else
    S2S_FAIL("rank {} runs on {} but this s2s was built without NCCL: rebuild with -DS2S_NCCL=ON "
             "(NCCL_ROOT=where NCCL is), or run on the CPU",
             rank_, device_.str());
#endif
  }
  return std::make_unique<MpiCommunicator>(MPI_COMM_WORLD);
}

void Runtime::abort(int code) const {
  std::fflush(stdout);
  std::fflush(stderr);
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

void Runtime::fail(const char* what) const {
  std::fprintf(stderr, "s2s: error: rank %d on %s: %s\n", rank_, host_.c_str(), what);
  abort(1);
}

std::string Runtime::describe() const {
  return fmt::format("rank {}/{} on {} (local {}/{}), {}, {} thread{}{}", rank_, size_, host_,
                     local_rank_, local_size_, device_.str(), threads_, threads_ == 1 ? "" : "s",
                     thread_multiple_ ? "" : ", no MPI_THREAD_MULTIPLE");
}

}  // namespace s2s
