#pragma once
// SIGTERM and SIGUSR1 (Slurm sends one ahead of the time limit with `--signal`) ask a run to
// stop cleanly: the handler only records the signal; the trainer agrees on it across ranks at
// the next step boundary, writes a checkpoint and exits with kPreemptedExitCode, which a
// Slurm script can requeue on.
namespace s2s {

class StopSignal {
 public:
  // The exit code of a run stopped by a signal after its checkpoint was written
  // (EX_TEMPFAIL: "try again later").
  static constexpr int kPreemptedExitCode = 75;

  // Installs the handlers for SIGTERM and SIGUSR1 (idempotent).
  static void install();
  // The signal received since install(), or 0.
  static int received();
  // Forgets a received signal (tests).
  static void reset();
};

}  // namespace s2s
