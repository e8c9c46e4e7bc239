#include "trainer/StopSignal.h"

#include <csignal>

namespace s2s {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void record_signal(int signal) { g_signal = signal; }  // async-signal-safe: one store

}  // namespace

void StopSignal::install() {
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking calls (file reads, MPI) carry on
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGUSR1, &action, nullptr);
}

int StopSignal::received() { return g_signal; }

void StopSignal::reset() { g_signal = 0; }

}  // namespace s2s
